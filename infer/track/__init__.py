"""Promise tracking (`reportag track`): pairs of reports, promises, evidence matching, quantities, status, outputs."""
