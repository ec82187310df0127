"""Hub dashboards: cross-border trade, inclusion, pooled procurement and producer growth, as JSON, CSV and
charts for coordinators, and as a suppressed open-data summary for the public."""
