"""The metrics page's sections, in the order the page shows them. Each entry is
the dotted path of a `build(period, *, user) -> metrics.report.Section`."""

SECTIONS = [
    "metrics.sections.responsiveness.build",
    "metrics.sections.self_service.build",
    "metrics.sections.reach.build",
    "audits.section.build",
]
