"""``kefu policy check|explain|diff|rules|export|import``: validate and read the policy tree from the command
line; move the versions published in the browser to and from the YAML files (version control)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from engine.calendar import CalendarDays
from engine.cli.common import CliContext, pass_cli, policies_option
from engine.errors import KefuError, NotFoundError
from engine.policy import EffectivePolicy, PolicyErrors, PolicySet, load_policy_set
from engine.policy.catalogue import Entry
from engine.policy.catalogue import entry as catalogue_entry
from engine.policy.crosscheck import check_processes, field_labels
from engine.policy.policyset import GROUP
from engine.policy.rules import FORMATS, render_rules
from engine.policy.schema import leaves

__all__ = ["register"]

_unit_option = click.option(
    "--subsidiary",
    "--unit",
    "unit",
    metavar="CODE",
    help="A subsidiary or project code (default: the group).",
)


def _load(cli: CliContext) -> PolicySet:
    return load_policy_set(cli.settings.policies_dir)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


@click.group("policy")
def policy_group() -> None:
    """Policies: check the tree, explain a key, diff a unit against the group, print its rules."""


@policy_group.command("check")
@_unit_option
@policies_option
@pass_cli
def check_command(cli: CliContext, unit: str | None) -> None:
    """Load and check every policy file (or one unit); list every problem as path:line: code message."""
    try:
        policies = _load(cli)
        effective = policies.effective(unit)
    except PolicyErrors as exc:
        directory = cli.settings.policies_dir
        mine = _chain_paths(directory, unit) if unit else None
        shown = [e for e in exc.errors if mine is None or e.path in mine]
        for error in shown:
            click.echo(str(error), err=True)
        others = len(exc.errors) - len(shown)
        note = ""
        if others:
            note = f" (and {others} in other units' files; the tree loads only when all are fixed)"
        # Raised, not ctx.exit(1): engine.cli.main turns a KefuError into exit status 1.
        raise KefuError(
            f"policy check failed: {len(shown)} problem(s) in {unit or directory}{note}", code="policy.E000"
        ) from None
    _check_diagrams(cli, policies)
    codes = (unit,) if unit else policies.units
    keys = len(leaves(effective.to_dict()))
    calendars = sorted(p.name for p in policies.calendars_dir.glob("*-[0-9][0-9][0-9][0-9].yaml"))
    click.echo(
        f"OK {policies.directory}: group + {len(codes)} unit(s) ({', '.join(codes) or 'none'}), "
        f"{keys} keys, {len(calendars)} calendar file(s)"
        + (f" ({', '.join(calendars)})" if calendars else "")
    )
    regions = {str(policies.effective(code).get("calendar.region")) for code in (None, *codes)}
    for warning in calendar_gaps(policies.calendars_dir, regions, cli.clock.now()):
        click.echo(f"warning: {warning}", err=True)


def _check_diagrams(cli: CliContext, policies: PolicySet) -> None:
    """The diagrams' lanes and forms against the policy (``engine.policy.crosscheck``), when they load."""
    from engine.processes import ProcessRegistry  # the policy commands need no SpiffWorkflow otherwise

    directory = cli.settings.processes_dir
    if not Path(directory).is_dir():
        return
    registry = ProcessRegistry.load(directory)  # a broken diagram is a DiagramError: exit 1 with its line
    problems = check_processes(policies, registry.definitions(), directory)
    for error in problems:
        click.echo(str(error), err=True)
    if problems:
        raise KefuError(f"policy check failed: {len(problems)} disagreement(s) between the policy and "
                        f"the diagrams in {directory}", code="policy.E027")


def calendar_gaps(calendars_dir: Path, regions: set[str], now: datetime) -> list[str]:
    """Warnings for years without a holiday file from ``now`` to ``PROVISIONAL_WARNING`` ahead."""
    out = []
    for region in sorted(regions):
        days = CalendarDays.load(calendars_dir, region)
        days.rules  # noqa: B018 - a malformed rules file fails the check (path:line)
        for year, status in days.years_ahead(now.date()):
            path = days.path_for(year)
            if status == "provisional":
                out.append(
                    f"no holiday file {path} yet: deadlines that reach {year} use a provisional calendar "
                    f"computed from the law ({days.rules.path if days.rules else ''}: holidays only, no "
                    f"make-up workdays 调休) and are marked 暂定日历. When the State Council publishes "
                    f"its notice (around November), run `kefu calendar import {year} --notice FILE`; "
                    "open deadlines are then recomputed"
                )
            else:
                out.append(
                    f"no holiday file {path} and no statutory rule for {year}: deadlines that reach "
                    f"{year} fail until it exists; run `kefu calendar import {year} --notice FILE` or "
                    "write it by hand like the files beside it"
                )
    return out


def _chain_paths(directory: Path, unit: str) -> set[str]:
    """The files of ``unit`` and its parents, read best-effort from their ``extends:`` lines."""
    paths = {str(directory / "group.yaml")}
    code: str | None = unit
    while code and code != GROUP and len(paths) < 20:
        candidates = [directory / folder / f"{code}.yaml" for folder in ("subsidiaries", "projects")]
        path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            break
        paths.add(str(path))
        match = re.search(r"^extends:\s*([\w-]+)", path.read_text(encoding="utf-8"), re.MULTILINE)
        code = match.group(1) if match else None
    return paths


@policy_group.command("explain")
@click.argument("key")
@_unit_option
@policies_option
@pass_cli
def explain_command(cli: CliContext, key: str, unit: str | None) -> None:
    """Print KEY's value, the file:line it came from and the group value when the unit overrides it."""
    policies = _load(cli)
    mine = policies.effective(unit)
    group = policies.effective(None)
    if "[" in key:
        name, _, code = key.partition("[")
        value: Any = mine.record(name, code.rstrip("]"))
        rows = {key: value}
    else:
        value = mine.get(key)
        found = leaves(_nest(key, value))
        inside = found and all(leaf.startswith(key + ".") for leaf in found)
        rows = found if inside else {key: value}
    for leaf, leaf_value in rows.items():
        where = mine.provenance(leaf)
        click.echo(f"{leaf} = {_show(leaf_value)}")
        click.echo(f"  from {where} ({_origin(policies, where.path)})")
        spec = _entry_of(leaf)
        if spec is not None and len(rows) == 1:
            click.echo(f"  rule: {spec.title} — {spec.citation}")
            bound = policies.bounds.for_key(spec.key)
            if bound.rule != "free":
                click.echo(f"  bound: {bound.describe()}")
        if mine.code != GROUP:
            base = _group_value(group, leaf)
            if base != leaf_value:
                base_where = group.provenance(leaf) if base is not None else None
                shown = _show(base) if base is not None else "(none: this unit adds it)"
                click.echo(f"  group value: {shown}" + (f" ({base_where})" if base_where else ""))


def _entry_of(key: str) -> Entry | None:
    """The catalogue entry of ``key`` or of the nearest catalogued key above it (a lane, a record)."""
    probe = key.split("[")[0]
    while probe:
        spec = catalogue_entry(probe)
        if spec is not None:
            return spec
        probe = probe.rpartition(".")[0]
    return None


def _nest(key: str, value: Any) -> dict[str, Any]:
    for name in reversed(key.split(".")):
        value = {name: value}
    return value


def _group_value(group: EffectivePolicy, key: str) -> Any:
    try:
        if "[" in key:
            name, _, code = key.partition("[")
            return group.record(name, code.rstrip("]"))
        return group.get(key)
    except NotFoundError:  # a key the group lacks (an added entry) has no group value
        return None


def _origin(policies: PolicySet, path: str) -> str:
    if path == policies.group_file.shown:
        return GROUP
    for code in policies.units:
        if policies.file(code).shown == path:
            return code
    return "?"


@policy_group.command("diff")
@click.argument("code")
@policies_option
@pass_cli
def diff_command(cli: CliContext, code: str) -> None:
    """List what unit CODE changes against the group: key, group value, its value, file:line."""
    policies = _load(cli)
    rows = policies.diff(code)
    if not rows:
        click.echo(f"{code}: no differences from the group")
        return
    click.echo(f"{code} ({policies.unit(code).name}) against the group: {len(rows)} difference(s)")
    for row in rows:
        click.echo(
            f"{row.key}\n  group: {_show(row.group_value) if row.group_value is not None else '(none)'}"
            f"\n  {code}: {_show(row.value)}\n  at {row.provenance}"
        )


@policy_group.command("rules")
@click.argument("code")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="md",
    show_default=True,
    help="md (Markdown) or text.",
)
@policies_option
@pass_cli
def rules_command(cli: CliContext, code: str, fmt: str) -> None:
    """Print unit CODE's implementation rules (实施细则) in Chinese, generated from its policy."""
    policies = _load(cli)
    target = None if code == GROUP else code
    names = {unit: policies.unit(unit).name for unit in (GROUP, *policies.units)}
    labels = _field_labels(cli)
    click.echo(render_rules(policies.effective(target), policies.effective(None), names, fmt, labels),
               nl=False)


def _field_labels(cli: CliContext) -> dict[str, dict[str, str]]:
    """The labels of the form fields a policy list names (``visitor.required_fields``), if the
    diagrams are there to read them from."""
    from engine.processes import ProcessRegistry

    directory = cli.settings.processes_dir
    return field_labels(ProcessRegistry.load(directory).definitions()) if Path(directory).is_dir() else {}


def _desk(cli: CliContext) -> Any:
    from engine.policy_drafts import PolicyDesk
    from engine.policy_versions import VersionedPolicies
    from engine.store import Store

    store = Store(cli.settings.database_url)
    click.get_current_context().call_on_close(store.dispose)
    store.require_schema()
    return PolicyDesk(store, VersionedPolicies(store, cli.settings.policies_dir, cli.clock), cli.clock)


@policy_group.command("export")
@click.option("--out", "out", type=click.Path(path_type=Path, file_okay=False),
              help="Write into this directory (default: the policy directory itself).")
@policies_option
@pass_cli
def export_command(cli: CliContext, out: Path | None) -> None:
    """Write the overlays published in the browser and in force now back to their YAML files, for version
    control; a version scheduled for later is named, not written."""
    from engine.store.policy_repo import PolicyRepo

    desk = _desk(cli)
    target = out or cli.settings.policies_dir
    now = cli.clock.now()
    with desk.store.read() as tx:
        repo = PolicyRepo(tx)
        heads = repo.published_heads()
        in_force = desk.policies.versions_at(now, tx)
        texts = repo.texts(list(in_force.values()))
    for unit, version in sorted(in_force.items()):
        path, text = texts[version]
        file = Path(target) / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
        click.echo(f"wrote {file} ({unit}, version {version})")
    for version, unit, effective_at in sorted(heads, key=lambda h: h[2]):
        if effective_at > now:
            click.echo(f"not written: {unit} version {version} takes effect {effective_at.isoformat()}")
    click.echo(f"{len(in_force)} overlay(s) exported")


@policy_group.command("import")
@click.option("--unit", "units", multiple=True, metavar="CODE", help="Only this unit (repeatable).")
@click.option("--effective", "effective", metavar="ISO8601", help="In force from (default: now).")
@policies_option
@pass_cli
def import_command(cli: CliContext, units: tuple[str, ...], effective: str | None) -> None:
    """Publish the overlay files that differ from the version in force (the group's policy reviewer,
    --as LOGIN): what was edited under version control reaches new cases from --effective on."""
    from engine.cli.common import parse_moment

    if not cli.actor:
        raise KefuError("say who you are: add --as LOGIN (the group's policy reviewer) before the command")
    moment = parse_moment(effective) if effective else cli.clock.now()
    desk = _desk(cli)
    directory = Path(cli.settings.policies_dir)
    files = sorted([*directory.glob("subsidiaries/*.yaml"), *directory.glob("projects/*.yaml")])
    chosen = [f for f in files if not units or f.stem in units]
    missing = sorted(set(units) - {f.stem for f in files})
    if missing:
        raise NotFoundError(f"no overlay file for {', '.join(missing)} under {directory}")
    published = 0
    for file in chosen:
        found = desk.import_text(cli.actor, file.stem, file.read_text(encoding="utf-8"), moment)
        if found is None:
            click.echo(f"unchanged {file.stem}")
            continue
        published += 1
        click.echo(f"published {file.stem} as version {found.id}, effective {found.effective_at.isoformat()}")
    click.echo(f"{published} overlay(s) published")


def register(group: click.Group) -> None:
    """Add ``kefu policy …`` to the CLI."""
    group.add_command(policy_group)
