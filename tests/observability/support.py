"""Read the exported metrics the way Prometheus does."""

from __future__ import annotations

from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families


def value(name: str, **labels: str) -> float:
    """A sample of this process's registry (0 when the series does not exist yet)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def samples(exposition: str) -> dict[tuple[str, tuple], float]:
    """(sample name, sorted labels) -> value, from a /metrics body; fails on a malformed one."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def exported_metric_names() -> set[str]:
    """Every family name the app exports, with the sample suffixes a query may use."""
    import backend.core.metrics  # noqa: F401  (defines the families)
    import indexer.metrics  # noqa: F401
    from backend.chain.sender.metrics import SenderCollector
    from backend.core.config import Settings

    names: set[str] = set()
    families = [family for collector in _collectors() if hasattr(collector, "describe") for family in collector.describe()]
    families += SenderCollector(Settings()).describe()
    for family in families:
        if not family.name.startswith("trustledger_"):
            continue
        suffixes = {
            "counter": ("_total", "_created"),
            "histogram": ("_bucket", "_count", "_sum", "_created"),
            "gauge": ("",),
        }.get(family.type, ("",))
        base = family.name
        names.add(base)
        names |= {base + suffix for suffix in suffixes}
    return names


def _collectors():
    return list(REGISTRY._collector_to_names)  # the registry's collectors (no public accessor)
