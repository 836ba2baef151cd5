"""Annual accounts of a member co-op: the upload template and the parser of a filled one."""
