"""The metrics page's sections, in the order the page shows them. Each entry is
the dotted path of a `build(period, *, user) -> metrics.report.Section`. Its
module's KEY and TITLE (the Section's key and title) name the section even
when `build` raises (metrics.page.section_failed)."""

SECTIONS = [
    "metrics.sections.responsiveness.build",
    "metrics.sections.self_service.build",
    "metrics.sections.reach.build",
    "audits.section.build",
]
