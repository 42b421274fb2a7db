"""Imported by the worker forkserver before it forks any worker (see `parallel._context`): warms
what every worker needs, so that workers start with it (`parallel.warm`)."""

from auditor.parallel import warm

warm()
