"""The demo and the tools the tests and the benchmark share with it: a local Synapse
(``devserver``), scripted E2EE members (``scripted``) and the demo's script. Not part of
the product: it is not installed with casusbot (``pyproject.toml``)."""
