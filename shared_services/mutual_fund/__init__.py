"""The consortium's mutual fund: members' yearly contributions in, loans and guarantees out."""
