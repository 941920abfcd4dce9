"""The partnership's rules, one home each, as pure functions of loaded rows: services,
selectors and views import them rather than re-deriving them."""
