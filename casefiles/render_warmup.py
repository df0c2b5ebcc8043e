"""Imported by the render forkserver only (casefiles.sandbox.PRELOAD): one tiny render at
start-up, so that every render child forked from it skips the first-use work."""

from casefiles.pdf import warm_up

warm_up()
