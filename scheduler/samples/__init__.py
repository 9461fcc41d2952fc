"""Developer tools that make events in the input format: the committed sample and synthetic events of any
size for tests and benchmarks. Nothing the organisers' commands run imports this package."""
