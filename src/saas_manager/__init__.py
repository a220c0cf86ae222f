"""SaaS Manager: the back office of a company that hosts Odoo databases."""
