"""A deterministic, believable demo enterprise: CIs and relationships, generated lazily.

:func:`iter_enterprise` yields about ``size`` CIs (all of them first) and then about three
relationships per CI. The company has five departments (HR, Facilities, Finance, Legal and
IT/R&D), each with its business services, technical services, applications and teams. The
technical services form a layered dependency DAG (front, mid and core tiers) over APIs,
databases (replica sets), caches (soft dependencies), queues and data sets; everything runs on
containers and hosts in data centres and cloud regions, reached through networks, supplied by
vendors under contract, owned and supported by teams of people located on the floors of office
buildings.

The output is pure data: no I/O, no store. The same ``(size, seed)`` gives the same sequence in
every process (only ``random.Random`` seeded from a string, never ``hash()`` or set order).
Models are built with ``model_construct``; every value passed is one that validation accepts
unchanged (the test suite proves it by re-validating a sample).

Examples
--------
>>> from cmdbgraph.schema import CIData, Relationship
>>> items = list(iter_enterprise(100, seed=7))
>>> cis = [i for i in items if isinstance(i, CIData)]
>>> rels = [i for i in items if isinstance(i, Relationship)]
>>> len(cis)
100
>>> items.index(rels[0]) == len(cis)
True
>>> sorted({c.attributes["department"] for c in cis if c.kind == "BusinessService"})
['Facilities', 'Finance', 'HR', 'IT/R&D', 'Legal']
>>> items == list(iter_enterprise(100, seed=7))
True
"""

from cmdbgraph.ingest.demo.enterprise import DEMO_MAX_SIZE, DEMO_MIN_SIZE, enterprise_records, iter_enterprise

__all__ = ["DEMO_MAX_SIZE", "DEMO_MIN_SIZE", "enterprise_records", "iter_enterprise"]
