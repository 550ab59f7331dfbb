"""Commerce services (cart, pricing, payment, inventory, order, loyalty) and the payment-provider stand-in.

Each service owns its database and is reached only through its HTTP API. Services never import
workers or the engine.
"""
