#!/usr/bin/env python3
"""Reference clustering coefficients from networkx (the reference bandicoot's own test_network.py uses).

Run with a python3 that has networkx and numpy (here: Debian python3.11 with numpy and networkx 3.6.1
on PYTHONPATH). The graphs are the reciprocated,
undirected ego networks with bandicoot's weights (distinct half-hour blocks, both directions
summed):
* `sample_ego`: bandicoot's sample network (tests/samples/network), with the edges and weights
  that bandicoot's test_network.py itself lists (unweighted edges also hold B-D).
* `hand_built`: the network of EgoNetworkTests.Run_HandBuiltNetwork_..., weights derived by hand
  in that test.
Writes clustering_networkx.json next to this file.
"""
import json
import os

import networkx as nx

graphs = {
    "sample_ego": {
        "unweighted": [("ego", "A"), ("ego", "B"), ("ego", "F"), ("A", "B"), ("B", "D"), ("F", "H")],
        "weighted": [("ego", "A", 4), ("ego", "B", 4), ("ego", "F", 3), ("A", "B", 2), ("F", "H", 2)],
    },
    "hand_built": {
        "unweighted": [("ego", "X"), ("ego", "Y"), ("ego", "Z"), ("X", "Y")],
        "weighted": [("ego", "X", 3), ("ego", "Y", 2), ("ego", "Z", 2), ("X", "Y", 2)],
    },
}

result = {"networkx": nx.__version__}
for name, g in graphs.items():
    unweighted = nx.Graph()
    unweighted.add_edges_from(g["unweighted"])
    weighted = nx.Graph()
    weighted.add_weighted_edges_from(g["weighted"])
    result[name] = {
        "clustering_coefficient_unweighted": nx.clustering(unweighted, "ego"),
        "clustering_coefficient_weighted": nx.clustering(weighted, "ego", weight="weight"),
    }

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "clustering_networkx.json"), "w") as f:
    json.dump(result, f, indent=1)
print(json.dumps(result))
