"""placeholder"""
EQUIVALENT_UNIFIED_IDEOGRAPH: dict[str, str] = {}
