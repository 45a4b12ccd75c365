"""The demo workspace: a synthetic but believable team and its users, with planted truths to rediscover.

`seed_demo(engine, seed=7, scale=1.0)` writes it and returns the planted truth (see `reviewlab.demo.truth`);
tests use it as their fixture builder (`scale=0.1` gives about 200 conversations in about a second).
"""

from reviewlab.demo.seed import DemoAlreadySeeded, build_plan, seed_demo, stored_truth, write_truth

__all__ = ["DemoAlreadySeeded", "build_plan", "seed_demo", "stored_truth", "write_truth"]
