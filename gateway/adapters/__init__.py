"""How the gateway reaches the outside: its database, Zeebe (to start instances), Operate (to read them)."""
