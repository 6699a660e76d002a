"""Interactive dependency maps (issue 7): vis-network pages built from analysis results.

A map is made in three pure steps, the same for the API (``/map/...``) and the CLI
(``cmdbgraph map ...``):

1. a *scene* (:mod:`~cmdbgraph.visual.scene`) from analysis results and CIs, through the
   viewer's :class:`~cmdbgraph.visual.scene.Disclosure` —
   :func:`~cmdbgraph.visual.neighbourhood.neighbourhood_scene`,
   :func:`~cmdbgraph.visual.analysis_maps.impact_scene`,
   :func:`~cmdbgraph.visual.analysis_maps.root_cause_scene`,
   :func:`~cmdbgraph.visual.change_map.change_scene`;
2. its *aggregation* past a node budget (:func:`~cmdbgraph.visual.aggregate.aggregate`);
3. the *page* (:func:`~cmdbgraph.visual.page.render_page`): one offline HTML file with
   vis-network (from pyvis's bundle) inlined and the data as escaped JSON.

Styling and the legend live in :mod:`~cmdbgraph.visual.style`, the browser script in
:mod:`~cmdbgraph.visual.page_script`. ``visual`` never imports ``tickets``, ``access`` or the
API: the composition roots run change assessments and redaction and pass plain results in.
"""

from cmdbgraph.visual.aggregate import GROUP_BY_CHOICES, Aggregation, GroupBy, aggregate
from cmdbgraph.visual.analysis_maps import impact_scene, root_cause_scene
from cmdbgraph.visual.change_map import change_scene
from cmdbgraph.visual.neighbourhood import Neighbourhood, neighbourhood_scene, read_neighbourhood
from cmdbgraph.visual.page import RenderedMap, content_security_policy, render_map, render_page
from cmdbgraph.visual.scene import Disclosure, FullDisclosure, Scene, Shown, owners_in

__all__ = [
    "GROUP_BY_CHOICES",
    "Aggregation",
    "Disclosure",
    "FullDisclosure",
    "GroupBy",
    "Neighbourhood",
    "RenderedMap",
    "Scene",
    "Shown",
    "aggregate",
    "change_scene",
    "content_security_policy",
    "impact_scene",
    "neighbourhood_scene",
    "owners_in",
    "read_neighbourhood",
    "render_map",
    "render_page",
    "root_cause_scene",
]
