def load_demo_purchasing(session, tenants, users, rng):
    pass
