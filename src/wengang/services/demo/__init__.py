"""The demo county (示范县): a deterministic, realistic county to try the program on, to test
and to benchmark with. See :func:`build_demo`."""

from wengang.services.demo.builder import DemoError, build_demo, default_as_of, wipe_county

__all__ = ["DemoError", "build_demo", "default_as_of", "wipe_county"]
