"""Message modules, one per feature; ``crm_core.i18n`` merges them into one catalogue."""
