"""Domain rules of the sales CRM: customer model, cadence, parsing and messages.

Nothing in this package imports telegram or sqlalchemy. Functions take and return
plain data (dataclasses, DataFrames) so the rules can be tested without a bot or a
database.
"""
