"""The ``loyaltysem`` command line.

Bad input ends with ``error: <what is wrong and what to do>`` on stderr and
exit status 2, never a traceback (``--debug`` shows one).
"""
from __future__ import annotations

import functools
import json
import math
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from .arguments import MAX_BOOTSTRAP, MAX_LIKERT_POINTS, MAX_SIMULATED_ROWS
from .exceptions import LoyaltySemError, LoyaltySemWarning

if TYPE_CHECKING:
    from .estimate.fit import Estimator

EXIT_BAD_INPUT = 2
#: Seeds of numpy's generators: 0 to 2**32 - 1 (a negative seed is refused by click, exit 2).
SEED = click.IntRange(min=0, max=2**32 - 1)


def _parse_na_values(values: tuple[str, ...]) -> list[float | str] | None:
    parsed: list[float | str] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            try:
                parsed.append(float(part))
            except ValueError:
                parsed.append(part)
    return parsed or None


#: the parameters of a command that name a file it reads, and how a message calls each
_INPUT_PARAMETERS = (("spec", "the spec file"), ("data", "the data file"),
                     ("study", "the study file"), ("cov_file", "the covariance file"),
                     ("cor_file", "the correlation file"), ("sd_file", "the SD file"),
                     ("means_file", "the means file"))


def _input_files() -> list[tuple[str, Path]]:
    """The files the running command reads (SPEC, --data as a path, STUDY, a study's store).

    ``--out`` may not be any of them (:func:`loyaltysem.output.check_output_path`).
    """
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return []
    found = [(what, Path(str(ctx.params[name]))) for name, what in _INPUT_PARAMETERS
             if ctx.params.get(name) is not None and Path(str(ctx.params[name])).is_file()]
    directory = ctx.params.get("directory")
    if directory is not None and Path(directory).is_dir():  # robust summarize reads a store
        found += [("a file of the study's store", path) for path in Path(directory).iterdir()
                  if path.name.startswith("results.sqlite") or path.suffix in (".lock", ".yaml")]
    return found


def _check_out(out: Path) -> Path:
    """Refuse an ``--out`` that is an input, a directory or in a missing folder (exit 2)."""
    from .output import check_output_path

    return check_output_path(out, _input_files())


def _write(text: str, out: Path | None) -> None:
    """Print ``text``, or write it to ``out``: never over an input, failures as one line (exit 2)."""
    from .output import write_text_file

    if out is None:
        click.echo(text)
        return
    write_text_file(out, text if text.endswith("\n") else text + "\n", _input_files())
    click.echo(f"wrote {out}", err=True)


def _run(action: Callable[[], Any], debug: bool) -> Any:
    """Run ``action``; turn loyaltysem's errors into a one-line message and exit 2.

    A command's ``--out`` file is checked first (:func:`_check_out`), so that a
    refusal comes before the work, not after it.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            ctx = click.get_current_context(silent=True)
            out = ctx.params.get("out") if ctx is not None else None
            if isinstance(out, Path):
                _check_out(out)
            result = action()
        except LoyaltySemError as error:
            if debug:
                raise
            click.echo(f"error: {_one_line(error)}", err=True)
            sys.exit(EXIT_BAD_INPUT)
    for warning in caught:
        if issubclass(warning.category, (LoyaltySemWarning, DeprecationWarning,
                                         PendingDeprecationWarning, FutureWarning)):
            continue  # loyaltysem's own warnings are reported with the result
        click.echo(f"warning: {warning.message}", err=True)
    return result


def _data_options(function: Callable, *, data_required: bool = True) -> Callable:
    """The SPEC argument and the --data / --na-values options shared by fit, validate, report."""
    function = click.option("--allow-codes", "allow_codes", is_flag=True,
                            help="Keep values that look like missing-value codes (-99, 999, "
                                 "...) as real answers instead of refusing them.")(function)
    function = click.option("--na-values", "na_values", multiple=True,
                            help="Codes that mean missing, e.g. --na-values -99 "
                                 "(repeat or comma-separate).")(function)
    function = click.option("--data", "data", required=data_required, default=None,
                            help="Data file (CSV, .sav, .dta, .xlsx, .parquet), or the name "
                                 "of a shipped dataset (see 'loyaltysem datasets')." + (
                                     "" if data_required else
                                     " Or summary statistics: --cov/--cor with --nobs."))(function)
    return click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))(function)


def _output_options(function: Callable) -> Callable:
    """--format (text, json, markdown) and --out, shared by fit, validate, invariance and
    compare-paths."""
    function = click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
                            default=None,
                            help="Write the output to this file instead of the terminal.")(function)
    return click.option("--format", "output_format",
                        type=click.Choice(["text", "json", "markdown"]), default="text",
                        show_default=True, help="Output format.")(function)


#: the hidden --debug flag of the commands that fit models: tracebacks instead of one line
_debug_option = click.option("--debug", is_flag=True, hidden=True, help="Show tracebacks.")


#: JSON keys written first, so that a reader of the file meets the problems before the numbers
_LEADING_KEYS = ("converged", "admissible", "problems", "admissibility", "warnings")


def _emit(payload: dict, summary: Any, output_format: str, out: Path | None) -> None:
    """Print (or write) a result as JSON, Markdown or text, its warnings first in each."""
    if output_format == "json":
        payload = {**{k: payload[k] for k in _LEADING_KEYS if k in payload}, **payload}
        text = json.dumps(payload, indent=2, allow_nan=False)
    elif output_format == "markdown":
        text = summary.as_markdown()
    else:
        text = summary.as_text()
    _write(text, out)


def _one_line(error: BaseException) -> str:
    """A message on one line, without control characters (no terminal escape sequences)."""
    from .escaping import plain

    return " ".join(plain(str(error)).split()) or type(error).__name__


class _SafeGroup(click.Group):
    """Every failure ends as one line on stderr, never a traceback (``--debug`` shows one).

    Bad input (a loyaltysem error, an unreadable or unwritable file, input too
    large to process) exits with status 2; anything else is a loyaltysem bug,
    reported as such with exit status 1.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as error:  # one line, as every other error (click prints three)
            where = error.ctx.command_path if error.ctx is not None else "loyaltysem"
            click.echo(f"error: {_one_line(Exception(error.format_message()))} (see "
                       f"'{where} --help')", err=True)
            ctx.exit(EXIT_BAD_INPUT)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as error:  # noqa: BLE001 (the last line of defence; --debug re-raises)
            if "--debug" in sys.argv[1:]:
                raise
            click.echo(f"error: {_one_line(Exception(_describe_failure(error)))}", err=True)
            ctx.exit(1 if _is_internal(error) else EXIT_BAD_INPUT)


def _is_internal(error: Exception) -> bool:
    return not isinstance(error, (LoyaltySemError, OSError, RecursionError, MemoryError))


def _describe_failure(error: Exception) -> str:
    if isinstance(error, LoyaltySemError):
        return _one_line(error)
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        return f"{where}{error.strerror or _one_line(error)}"
    if isinstance(error, (RecursionError, MemoryError)):
        return (f"the input is too large or too deeply nested to process "
                f"({type(error).__name__}); simplify it")
    return (f"internal error ({type(error).__name__}: {_one_line(error)[:300]}); this is a bug "
            "in loyaltysem: rerun with --debug and report the traceback")


@click.group(cls=_SafeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="loyaltysem")
def main() -> None:
    """loyaltysem: structural equation models of customer loyalty, checked against lavaan."""


def _ordinal_options(what: str) -> Callable[[Callable], Callable]:
    """``--estimator`` (the likelihood estimators and those of ordinal items),
    ``--ordered`` and ``--parameterization`` of a command that fits the model; ``what``:
    what the ordinal items change there (for the help)."""
    def decorate(function: Callable) -> Callable:
        for option in reversed((
            click.option("--estimator", type=click.Choice(list(_ALL_ESTIMATORS)),
                         default=None,
                         help="ML (default); MLR: sandwich SEs and Yuan-Bentler scaled "
                              "statistics; MLM: robust SEs and Satorra-Bentler scaled "
                              "statistics (lavaan's). With --ordered: WLSMV (default), "
                              "ULSMV, DWLS, ULS or WLS on polychoric correlations."),
            click.option("--ordered", default=None,
                         help="Ordinal items (lavaan's ordered =): 'all', or comma-separated "
                              f"item names; {what}."),
            click.option("--parameterization", type=click.Choice(["delta", "theta"]),
                         default="delta", show_default=True,
                         help="With --ordered: latent responses of variance 1 (delta) or "
                              "residual variances of 1 (theta), lavaan's parameterization."),
        )):
            function = option(function)
        return function
    return decorate


_ALL_ESTIMATORS = ("ML", "MLR", "MLM", "WLSMV", "ULSMV", "DWLS", "ULS", "WLS")


def _summary_options(function: Callable) -> Callable:
    """--cov / --cor / --sd / --means / --nobs: fit from summary statistics."""
    file_type = click.Path(exists=True, dir_okay=False, path_type=Path)
    for name, dest, text in (
            ("--means", "means_file", "CSV of the variables' means (two columns: name, mean): "
                                      "adds the mean structure."),
            ("--sd", "sd_file", "CSV of the SDs (two columns: name, sd), with --cor."),
            ("--cor", "cor_file", "CSV correlation matrix (names in the first row and column), "
                                  "instead of --data; needs --sd and --nobs."),
            ("--cov", "cov_file", "CSV covariance matrix (names in the first row and column; "
                                  "divisor N-1 as R's cov()), instead of --data; needs --nobs.")):
        function = click.option(name, dest, type=file_type, default=None, help=text)(function)
    return click.option("--nobs", "nobs", type=click.IntRange(min=2, max=10**9), default=None,
                        help="Number of observations of the summary statistics.")(function)


@main.command("fit")
@_summary_options
@functools.partial(_data_options, data_required=False)
@_output_options
@_ordinal_options("thresholds and polychoric correlations, estimator WLSMV by default")
@click.option("--missing", type=click.Choice(["listwise", "ml", "ml.x"]), default="listwise",
              show_default=True,
              help="Missing values: listwise deletion, or full-information ML (lavaan's "
                   "missing = 'ml'; 'ml.x' also keeps cases with missing covariates).")
@click.option("--se", "se_type", type=click.Choice(["standard", "bootstrap"]), default="standard",
              show_default=True, help="Standard errors: model-based, or nonparametric bootstrap.")
@click.option("--bootstrap", "n_boot", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Bootstrap resamples (with --se bootstrap).")
@click.option("--seed", type=SEED, default=None, help="Seed of the bootstrap / Monte Carlo draws.")
@click.option("--jobs", "n_jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes for the bootstrap (results do not depend on it).")
@click.option("--ci", "ci_method", type=click.Choice(["delta", "percentile", "bca", "montecarlo"]),
              default=None, help="Intervals of effects and hypotheses (default: percentile with "
              "--se bootstrap, delta otherwise).")
@click.option("--progress/--no-progress", default=True, help="Progress bar for the bootstrap.")
@click.option("--modindices", "with_modindices", is_flag=True,
              help="Add modification indices (lavaan's modindices(), largest first).")
@click.option("--modindices-min", "modindices_min", type=click.FloatRange(min=0, max=1e6),
              default=None, help="Only modification indices above this value (implies "
              "--modindices), e.g. 3.84.")
@click.option("--std-lv", "std_lv", is_flag=True, default=None,
              help="Latent (residual) variances fixed at 1, all loadings free (lavaan's "
                   "std.lv = TRUE).")
@click.option("--meanstructure", is_flag=True, default=None,
              help="Free intercepts of every observed variable, latent means 0 (lavaan's "
                   "meanstructure = TRUE; on anyway when the spec writes a '~ 1').")
@click.option("--group", default=None,
              help="Fit one model to the groups of this column at once (lavaan's sem(group =)).")
@click.option("--group-equal", "group_equal", default="",
              help="With --group: comma-separated classes equal across groups (lavaan's "
                   "group.equal), e.g. 'loadings,intercepts' ('thresholds' with --ordered).")
@_debug_option
def fit_command(spec: Path, data: str | None, na_values: tuple[str, ...], allow_codes: bool, output_format: str,
                out: Path | None, estimator: str | None, missing: str, se_type: str, n_boot: int,
                seed: int | None,
                n_jobs: int, ci_method: str | None, progress: bool, with_modindices: bool,
                modindices_min: float | None, std_lv: bool | None, meanstructure: bool | None,
                debug: bool, nobs: int | None = None, cov_file: Path | None = None,
                cor_file: Path | None = None, sd_file: Path | None = None,
                means_file: Path | None = None, group: str | None = None,
                group_equal: str = "", ordered: str | None = None,
                parameterization: str = "delta") -> None:
    """Fit the model in SPEC (.yaml or lavaan .lav) to survey data (lavaan's sem()), or to
    summary statistics (--cov or --cor/--sd, with --nobs); with --group, to several groups
    at once."""
    ordered_items = _parse_ordered(ordered, se_type=se_type, group=group,
                                   with_modindices=with_modindices or modindices_min is not None)
    if group is not None:
        estimator = estimator or ("WLSMV" if ordered_items not in (None, False) else "ML")
        _refuse_single_group_options(se_type=se_type, ci_method=ci_method,
                                     with_modindices=with_modindices,
                                     modindices_min=modindices_min, std_lv=std_lv,
                                     meanstructure=meanstructure,
                                     summary_files=(nobs, cov_file, cor_file))
        _fit_groups_command(spec, data, na_values, allow_codes, group, group_equal, estimator,
                            missing, output_format, out, debug, ordered=ordered_items,
                            parameterization=parameterization)
        return
    if modindices_min is not None and not math.isfinite(modindices_min):
        raise click.BadParameter(f"must be a finite number; got {modindices_min}",
                                 param_hint="--modindices-min")
    with_modindices = with_modindices or modindices_min is not None
    summary_data = _check_summary_options(data, nobs, cov_file, cor_file, sd_file, means_file)
    method = ci_method or ("percentile" if se_type == "bootstrap" else "delta")
    if method in ("percentile", "bca") and se_type != "bootstrap":
        raise click.UsageError(f"--ci {method} needs --se bootstrap")

    def run() -> Any:
        from .estimate import fit

        result = fit(spec, data, na_values=_parse_na_values(na_values), allow_codes=allow_codes,
                     estimator=cast("Estimator", estimator), missing=cast(Any, missing),
                     emit_warnings=False, std_lv=std_lv or None,
                     meanstructure=meanstructure or None, ordered=ordered_items,
                     parameterization=cast(Any, parameterization), **summary_data)
        boot = None
        if se_type == "bootstrap":
            from .effects.bootstrap import bootstrap, with_bootstrap_inference

            boot = bootstrap(result, n_boot, seed=seed, n_jobs=n_jobs, progress=progress,
                             bca=method == "bca")
            result = with_bootstrap_inference(result, boot, method)
        effects = _effects_with_intervals(result, boot, method, seed)
        hypotheses = None
        if result.spec.hypotheses:
            from .effects.hypotheses import test_hypotheses

            hypotheses = test_hypotheses(result, interval=cast(Any, method), boot=boot, seed=seed)
        modindices = _modindices(result, modindices_min) if with_modindices else None
        return result, effects, hypotheses, modindices

    result, effects, hypotheses, modindices = _run(run, debug)
    for message in result.warnings:
        click.echo(f"warning: {message}", err=True)
    if output_format == "json":  # only the format asked for is built
        _emit(_fit_payload(result, effects, hypotheses, modindices, method), None,
              output_format, out)
    else:
        _emit({}, _fit_summary(result, effects, hypotheses, modindices, method), output_format,
              out)


def _refuse_single_group_options(*, se_type: str, ci_method: str | None, with_modindices: bool,
                                 modindices_min: float | None, std_lv: bool | None,
                                 meanstructure: bool | None,
                                 summary_files: tuple[Any, ...]) -> None:
    """``fit --group`` with an option only a single-group fit offers: a usage error (exit 2)
    naming every such option given."""
    refused = [name for name, given in (
        ("--se bootstrap", se_type == "bootstrap"), ("--ci", ci_method is not None),
        ("--modindices", with_modindices or modindices_min is not None),
        ("--std-lv", bool(std_lv)), ("--meanstructure", bool(meanstructure)),
        ("summary statistics", any(v is not None for v in summary_files))
    ) if given]
    if refused:
        raise click.UsageError("--group cannot be combined with " + ", ".join(refused)
                               + " (multi-group fits offer ML, MLR or MLM, listwise, ml or "
                               "ml.x)")


def _parse_ordered(ordered: str | None, *, se_type: str, group: str | None,
                   with_modindices: bool) -> bool | list[str] | None:
    """``--ordered``: None, True (``all``) or the item names; refused beside the options an
    ordinal fit does not offer yet."""
    if ordered is None:
        return None
    for given, option in ((with_modindices, "--modindices"),):
        if given:
            raise click.UsageError(f"--ordered does not go with {option} yet: ordinal fits "
                                   "have robust SEs and delta-method or bootstrap effects")
    if ordered.strip().lower() == "all":
        return True
    names = [name.strip() for name in ordered.split(",") if name.strip()]
    if not names:
        raise click.BadParameter("give 'all' or comma-separated item names",
                                 param_hint="--ordered")
    return names


def _effects_with_intervals(result: Any, boot: Any, method: str, seed: int | None) -> Any:
    """The direct, indirect and total effects of ``result`` (delta-method inference), with
    the bootstrap's SEs, z, p-values and intervals after ``--se bootstrap``, or Monte Carlo
    intervals with ``--ci montecarlo``."""
    from .effects.delta import effects_table

    effects = effects_table(result)
    keys = [f"effect: {label}" for label in effects["effect"]]
    if boot is not None:
        from .distributions import norm_sf

        bounds = boot.interval(method)
        effects["se"] = boot.se.reindex(keys).to_numpy()
        effects["z"] = effects["est"] / effects["se"]
        effects["pvalue"] = 2 * norm_sf(effects["z"].abs())
        effects["ci_lower"] = bounds["lower"].reindex(keys).to_numpy()
        effects["ci_upper"] = bounds["upper"].reindex(keys).to_numpy()
    elif method == "montecarlo":
        from .effects.montecarlo import monte_carlo_intervals

        mc = monte_carlo_intervals(result, seed=seed)
        effects["ci_lower"] = mc["lower"].reindex(keys).to_numpy()
        effects["ci_upper"] = mc["upper"].reindex(keys).to_numpy()
    return effects


def _fit_payload(result: Any, effects: Any, hypotheses: Any, modindices: Any,
                 method: str) -> dict[str, Any]:
    """The JSON object of ``fit --format json`` (the contract in docs/architecture.md)."""
    from .summary import json_value

    payload = result.to_dict()
    payload["ci"] = method
    payload["effects"] = json.loads(effects.to_json(orient="records"))
    payload["hypotheses"] = hypotheses.to_records() if hypotheses is not None else []
    if modindices is not None:
        payload["modindices"] = [{k: json_value(v) for k, v in row.items()}
                                 for row in modindices.to_dict("records")]
    return payload


def _fit_summary(result: Any, effects: Any, hypotheses: Any, modindices: Any,
                 method: str) -> Any:
    """The text / Markdown summary of ``fit``: the fit's summary with the effects, the
    hypotheses and the largest modification indices before its last section."""
    from .summary import Summary

    summary = result.summary()
    extra = [(f"Effects ({method} intervals)", effects.drop(columns=["source", "target"]))]
    if hypotheses is not None:
        extra.append((f"Hypotheses ({method} intervals)",
                      hypotheses.table.drop(columns=["description"])))
    if modindices is not None:
        extra.append(("Largest modification indices", modindices.head(10) if len(modindices)
                      else ["none above the minimum"]))
    return Summary(summary.title, summary.sections[:-1] + tuple(extra) + summary.sections[-1:],
                   digits=summary.digits)


def _fit_groups_command(spec: Path, data: str | None, na_values: tuple[str, ...],
                        allow_codes: bool, group: str, group_equal: str, estimator: str,
                        missing: str, output_format: str, out: Path | None, debug: bool,
                        ordered: bool | list[str] | None = None,
                        parameterization: str = "delta") -> None:
    """``loyaltysem fit --group``: :func:`loyaltysem.groups.fit_groups` and its output."""
    from .groups import fit_groups

    if data is None:
        raise click.UsageError("--group needs --data")
    classes = [c.strip() for c in group_equal.split(",") if c.strip()]

    def run() -> Any:
        result = fit_groups(spec, data, group, group_equal=classes,
                            estimator=cast(Any, estimator), missing=cast(Any, missing),
                            na_values=_parse_na_values(na_values), allow_codes=allow_codes,
                            emit_warnings=False, ordered=ordered,
                            parameterization=cast(Any, parameterization))
        hypotheses = None
        if result.spec.hypotheses:  # per group and between groups, delta method
            from .effects.hypotheses import test_hypotheses

            hypotheses = test_hypotheses(result)
        return result, hypotheses

    from .summary import Summary

    result, hypotheses = _run(run, debug)
    for message in result.warnings:
        click.echo(f"warning: {message}", err=True)
    summary = result.summary()
    payload = result.to_dict()
    if hypotheses is not None:
        payload["hypotheses"] = hypotheses.to_records()
        summary = Summary(summary.title, summary.sections[:-1] + (
            ("Hypotheses (per group and between groups)",
             hypotheses.table.drop(columns=["description"])),) + summary.sections[-1:],
            digits=summary.digits)
    _emit(payload, summary, output_format, out)


def _modindices(result: Any, minimum: float | None) -> Any:
    """``modification_indices(result)`` for ``fit --modindices``; a singular information
    matrix is reported as loyaltysem's one-line error."""
    import numpy as np

    from .estimate.modindices import modification_indices
    from .exceptions import NotIdentifiedError

    try:
        return modification_indices(result, minimum=minimum)
    except np.linalg.LinAlgError as error:
        raise NotIdentifiedError("modification indices: the information matrix of the model "
                                 f"is singular ({error}); is the model identified?") from error


def _check_summary_options(data: str | None, nobs: int | None, cov_file: Path | None,
                           cor_file: Path | None, sd_file: Path | None,
                           means_file: Path | None) -> dict[str, Any]:
    """The summary-statistics arguments of fit(), or a usage error (exit 2) naming the clash."""
    given = cov_file is not None or cor_file is not None
    if data is None and not given:
        raise click.UsageError("give --data (a CSV file or a dataset name), or summary "
                               "statistics: --cov FILE --nobs N (or --cor FILE --sd FILE --nobs N)")
    if data is not None and (given or nobs is not None or sd_file or means_file):
        raise click.UsageError("--data and summary statistics (--cov/--cor/--sd/--means/--nobs) "
                               "exclude each other")
    if not given:
        return {}
    if cov_file is not None and cor_file is not None:
        raise click.UsageError("give --cov or --cor, not both")
    if nobs is None:
        raise click.UsageError("summary statistics need the number of observations: --nobs N")
    if (cor_file is not None) != (sd_file is not None):
        raise click.UsageError("--cor needs --sd (and --sd belongs to --cor)")
    return {"sample_cov": cov_file, "sample_cor": cor_file, "sample_sd": sd_file,
            "sample_mean": means_file, "nobs": nobs}


@main.command("validate")
@_data_options
@_output_options
@click.option("--bootstrap", "n_boot", type=click.IntRange(min=0, max=MAX_BOOTSTRAP), default=1000,
              show_default=True, help="Bootstrap resamples for the HTMT intervals (0 to skip).")
@click.option("--seed", type=SEED, default=1, show_default=True, help="Seed of the HTMT bootstrap.")
@click.option("--method-factor/--no-method-factor", default=True, show_default=True,
              help="Fit the unmeasured latent method factor model.")
@click.option("--progress/--no-progress", default=True,
              help="A progress bar with the time left for the HTMT bootstrap.")
@_ordinal_options("ordinal alpha, categorical omega and HTMT on the polychoric correlations")
@_debug_option
def validate_command(spec: Path, data: str, na_values: tuple[str, ...], allow_codes: bool, output_format: str,
                     out: Path | None, n_boot: int, seed: int, method_factor: bool,
                     progress: bool, debug: bool, estimator: str | None = None,
                     ordered: str | None = None, parameterization: str = "delta") -> None:
    """Measurement quality of SPEC on the data: reliability, validity, VIF, method bias
    (with --ordered: on the polychoric correlations of the ordinal items)."""
    from .estimate import fit
    from .validity import assess_measurement

    ordered_items = _parse_ordered(ordered, se_type="standard", group=None,
                                   with_modindices=False)

    def run() -> Any:
        result = fit(spec, data, na_values=_parse_na_values(na_values), emit_warnings=False,
                     allow_codes=allow_codes, estimator=cast("Estimator", estimator),
                     ordered=ordered_items, parameterization=cast(Any, parameterization))
        return assess_measurement(result, n_boot=n_boot, seed=seed, method_factor=method_factor,
                                  progress=progress)

    report = _run(run, debug)
    for message in report.fit.warnings:
        click.echo(f"warning: {message}", err=True)
    _emit(report.to_dict(), report.summary(), output_format, out)


def _zero_or_resamples(ctx: click.Context, param: click.Parameter, value: int) -> int:
    """0 (none) or at least 2 resamples."""
    if value == 1:
        raise click.BadParameter("give 0 (no test) or at least 2 resamples", ctx, param)
    return value


@main.command("pls")
@_data_options
@_output_options
@click.option("--missing", type=click.Choice(["listwise", "mean"]), default="listwise",
              show_default=True,
              help="Missing values: listwise deletion, or mean replacement (SmartPLS's and "
                   "seminr's default).")
@click.option("--scheme", type=click.Choice(["path", "centroid", "factorial"]), default="path",
              show_default=True, help="Inner weighting scheme.")
@click.option("--consistent", is_flag=True,
              help="Consistent PLS (PLSc, Dijkstra & Henseler 2015) for the reflective constructs.")
@click.option("--max-iter", "max_iter", type=click.IntRange(min=1, max=1_000_000), default=3000,
              show_default=True, help="Most iterations of the PLS algorithm.")
@click.option("--tol", type=click.FloatRange(min=1e-15, max=0.1), default=1e-7, show_default=True,
              help="Stop criterion: the sum of the absolute changes of the outer weights.")
@click.option("--higher-order", "higher_order", type=click.Choice(["repeated", "two_stage"]),
              default="repeated", show_default=True,
              help="Constructs measured by constructs: repeated indicators or two-stage.")
@click.option("--moderation",
              type=click.Choice(["two_stage", "product_indicator", "orthogonal"]),
              default="two_stage", show_default=True,
              help="Interactions of constructs (y ~ A + M + A:M): two-stage or product "
                   "indicators (orthogonal: their residuals on the main effects' items).")
@click.option("--bootstrap", "n_boot", type=click.IntRange(min=0, max=MAX_BOOTSTRAP), default=0,
              show_default=True, help="Bootstrap resamples for SEs, t, p and intervals "
                                      "(SmartPLS uses 5000; 0: none).")
@click.option("--exact-fit", "n_exact", type=click.IntRange(min=0, max=MAX_BOOTSTRAP),
              default=0, show_default=True, callback=_zero_or_resamples,
              help="Resamples of the bootstrap test of exact fit (Dijkstra & Henseler 2015): "
                   "HI95/HI99 of SRMR, d_ULS and d_G, and p values (0: none).")
@click.option("--seed", type=SEED, default=None, help="Seed of the bootstrap resamples.")
@click.option("--jobs", "n_jobs", type=click.IntRange(min=1, max=256), default=1,
              show_default=True, help="Worker threads (results do not depend on it).")
@click.option("--sign-change", "sign_change",
              type=click.Choice(["none", "construct", "individual"]), default="none",
              show_default=True, help="SmartPLS's bootstrap sign-change option.")
@click.option("--ci", "ci_method", type=click.Choice(["percentile", "bca", "studentized"]),
              default="percentile", show_default=True,
              help="Bootstrap interval (studentized: 50 inner resamples per resample).")
@click.option("--progress/--no-progress", default=True, help="Progress bar for the bootstrap.")
@click.option("--predict", "with_predict", is_flag=True,
              help="PLSpredict (Shmueli et al. 2019): out-of-sample RMSE, MAE and Q2predict "
                   "per indicator against the linear-model benchmark, and CVPAT.")
@click.option("--folds", type=click.IntRange(min=2, max=1000), default=10, show_default=True,
              help="PLSpredict folds.")
@click.option("--repetitions", type=click.IntRange(min=1, max=1000), default=10,
              show_default=True, help="PLSpredict repetitions (seeded by --seed).")
@click.option("--ipma", "ipma_target", default=None,
              help="Importance-performance map analysis of this target construct.")
@click.option("--group", default=None,
              help="Multi-group analysis across the groups of this column: MICOM (steps 1-3) "
                   "and the MGA of --mga, each with --permutations draws (seeded by --seed).")
@click.option("--mga", "mga_method", type=click.Choice(["permutation", "henseler"]),
              default="permutation", show_default=True,
              help="With --group: the permutation test (Chin & Dibbern 2010) or Henseler's "
                   "bootstrap MGA (its resamples: --bootstrap, default 5000).")
@click.option("--permutations", "n_permutations", type=click.IntRange(min=10, max=MAX_BOOTSTRAP),
              default=5000, show_default=True, help="With --group: permutations of MICOM and "
                                                    "of the permutation MGA.")
@_debug_option
def pls_command(spec: Path, data: str, na_values: tuple[str, ...], allow_codes: bool,
                output_format: str, out: Path | None, missing: str, scheme: str,
                consistent: bool, max_iter: int, tol: float, higher_order: str,
                moderation: str, n_boot: int, n_exact: int, seed: int | None,
                n_jobs: int, sign_change: str, ci_method: str, progress: bool,
                with_predict: bool, folds: int, repetitions: int, ipma_target: str | None,
                group: str | None, mga_method: str, n_permutations: int, debug: bool) -> None:
    """Fit SPEC by PLS-SEM (Mode A for =~, Mode B for <~ / mode: B), as SmartPLS and seminr."""
    def run() -> Any:
        from .pls import bootstrap_pls, fit_pls

        result = fit_pls(spec, data, na_values=_parse_na_values(na_values),
                         allow_codes=allow_codes, missing=cast(Any, missing),
                         scheme=cast(Any, scheme), consistent=consistent, max_iter=max_iter,
                         tol=tol, higher_order=cast(Any, higher_order),
                         moderation=cast(Any, moderation))
        if n_boot:
            boot = bootstrap_pls(result, n_boot, seed=seed, n_jobs=n_jobs,
                                 sign_change=cast(Any, sign_change), ci=cast(Any, ci_method),
                                 progress=progress)
            result = result.with_bootstrap(boot)
        if n_exact:
            from .pls import exact_fit_test

            result = result.with_exact_fit(exact_fit_test(result, n_exact, seed=seed,
                                                          n_jobs=n_jobs, progress=progress))
        extras: dict[str, Any] = {}
        options = {"missing": cast(Any, missing), "na_values": _parse_na_values(na_values),
                   "allow_codes": allow_codes, "scheme": cast(Any, scheme)}
        if with_predict:
            from .pls import predict_pls

            extras["predict"] = predict_pls(spec, data, folds=folds, repetitions=repetitions,
                                            seed=seed, consistent=consistent, **options)
        if ipma_target is not None:
            from .pls import ipma

            extras["ipma"] = ipma(spec, data, ipma_target, **options)
        if group is not None:
            extras.update(_pls_groups(spec, data, group, mga_method, n_permutations,
                                      n_boot or 5000, seed, n_jobs, progress, options))
        return result, extras

    result, extras = _run(run, debug)
    for message in result.warnings:
        click.echo(f"warning: {message}", err=True)
    if output_format == "json":
        payload = result.to_dict()
        payload.update({key: value.to_dict() for key, value in extras.items()})
        _emit(payload, None, output_format, out)
    else:
        _emit({}, _combined_summary(result.summary(), extras), output_format, out)


def _pls_groups(spec: Path, data: str, group: str, method: str, n_permutations: int,
                n_boot: int, seed: int | None, n_jobs: int, progress: bool,
                options: dict[str, Any]) -> dict[str, Any]:
    """``pls --group``: MICOM, then the MGA (its draws: permutations or resamples)."""
    from .pls import mga, micom

    invariance = micom(spec, data, group, n_permutations=n_permutations, seed=seed,
                       n_jobs=n_jobs, progress=progress, **options)
    permutation = method == "permutation"
    comparison = mga(spec, data, group, method=cast(Any, method), seed=seed, n_jobs=n_jobs,
                     progress=progress, n_permutations=n_permutations if permutation else None,
                     n_boot=None if permutation else n_boot, **options)
    return {"micom": invariance, "mga": comparison}


def _combined_summary(summary: Any, extras: dict[str, Any]) -> Any:
    """One summary of a PLS fit and its extras (PLSpredict, IPMA): their sections under
    their names, their warnings with the fit's (first), their notes once."""
    from .summary import Summary

    labels = {"predict": "PLSpredict", "ipma": "IPMA", "micom": "MICOM", "mga": "MGA"}
    sections = dict(summary.sections)
    warnings_ = [w for w in sections.get("Warnings", []) if w != "none"]
    notes = list(sections.get("Notes", []))
    added = []
    for key, extra in extras.items():
        for heading, block in extra.summary().sections:
            if heading == "Warnings":
                warnings_ += [f"{labels[key]}: {w}" for w in block if w != "none"]
            elif heading == "Notes":
                notes += [n for n in block if n not in notes]
            else:
                added.append((heading if heading.startswith(labels[key])
                              else f"{labels[key]}: {heading}", block))
    ordered = [(h, warnings_ or ["none"]) if h == "Warnings" else (h, b)
               for h, b in summary.sections if h != "Notes"]
    return Summary(summary.title, tuple(ordered + added + ([("Notes", notes)] if notes else [])),
                   summary.digits)


#: the figure formats ``loyaltysem diagram`` writes (matplotlib's, by the file's extension)
DIAGRAM_FORMATS = (".svg", ".png", ".pdf")


@main.command("diagram")
@_data_options
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The figure: .svg, .png or .pdf.")
@click.option("--method", type=click.Choice(["cb", "pls"]), default="cb", show_default=True,
              help="cb: the standardized CB-SEM solution; pls: PLS-SEM paths, loadings "
                   "(Mode A) and weights (Mode B).")
@click.option("--missing", type=click.Choice(["listwise", "mean", "ml"]), default="listwise",
              show_default=True, help="Missing values (mean: PLS only; ml: CB-SEM only).")
@click.option("--bootstrap", "n_boot", type=click.IntRange(min=0, max=MAX_BOOTSTRAP),
              default=0, show_default=True,
              help="PLS-SEM: bootstrap resamples for the significance stars (0: none).")
@click.option("--seed", type=SEED, default=None, help="Seed of the bootstrap.")
@click.option("--hypotheses", "with_hypotheses", is_flag=True,
              help="Prefix the paths with their hypothesis ids.")
@click.option("--dpi", type=click.IntRange(min=50, max=1200), default=300, show_default=True,
              help="Resolution of a .png.")
@_debug_option
def diagram_command(spec: Path, data: str, na_values: tuple[str, ...], allow_codes: bool,
                    out: Path, method: str, missing: str, n_boot: int, seed: int | None,
                    with_hypotheses: bool, dpi: int, debug: bool) -> None:
    """Draw the path diagram of SPEC fitted to the data (CB-SEM or PLS-SEM) into a figure."""
    if out.suffix.lower() not in DIAGRAM_FORMATS:
        raise click.BadParameter(f"write a .svg, .png or .pdf file; got {out.name!r}",
                                 param_hint="--out")
    if (method, missing) in (("cb", "mean"), ("pls", "ml")):
        raise click.BadParameter(f"--missing {missing} is not an option of --method {method}",
                                 param_hint="--missing")

    def run() -> Any:
        import matplotlib

        matplotlib.use("Agg")
        from .plot import path_diagram

        codes = _parse_na_values(na_values)
        if method == "pls":
            from .pls import bootstrap_pls, fit_pls

            result: Any = fit_pls(spec, data, na_values=codes, allow_codes=allow_codes,
                                  missing=cast(Any, missing))
            if n_boot:
                result = result.with_bootstrap(bootstrap_pls(result, n_boot, seed=seed))
        else:
            from .estimate import fit

            result = fit(spec, data, na_values=codes, allow_codes=allow_codes,
                         missing=cast(Any, missing), emit_warnings=False)
        figure = path_diagram(result, hypotheses=with_hypotheses)
        figure.savefig(out, dpi=dpi, bbox_inches="tight")
        return result

    result = _run(run, debug)
    for message in result.warnings:
        click.echo(f"warning: {message}", err=True)
    click.echo(f"wrote {out}", err=True)


@main.command("invariance")
@_data_options
@click.option("--group", required=True, help="The column that defines the groups.")
@click.option("--steps", default=None,
              help="Comma-separated steps of the ladder (default configural,metric,scalar,"
                   "strict; with --ordered configural,thresholds,metric, plus scalar with "
                   "continuous items and strict with --parameterization theta).")
@click.option("--partial", "group_partial", default="",
              help="Comma-separated parameters left free across groups (partial invariance), "
                   "e.g. 'x3~1,x7~1'.")
@click.option("--estimator", type=click.Choice(["ML", "MLR", "MLM", "WLSMV", "ULSMV"]),
              default=None,
              help="ML (default); MLR, MLM: robust SEs, Satorra-Bentler (2001) scaled chi-square "
                   "differences, robust CFI/RMSEA (lavaan's lavTestLRT and fitMeasures); with "
                   "--ordered WLSMV (default) or ULSMV, Satorra (2000) scaled-and-shifted "
                   "differences and the scaled CFI/RMSEA.")
@click.option("--ordered", default=None,
              help="Ordinal items (lavaan's ordered =): 'all', or comma-separated item names.")
@click.option("--parameterization", type=click.Choice(["delta", "theta"]), default="delta",
              show_default=True, help="With --ordered: lavaan's parameterization.")
@click.option("--identification", type=click.Choice(["wu.estabrook", "lavaan"]),
              default="wu.estabrook", show_default=True,
              help="With --ordered: the steps identified as Wu & Estabrook (2016) (semTools' "
                   "measEq.syntax) or by lavaan's group.equal conventions.")
@click.option("--missing", type=click.Choice(["listwise", "ml", "ml.x"]), default="listwise",
              show_default=True, help="Missing values: listwise deletion or full-information ML "
              "('ml.x' also keeps cases with missing covariates; not with MLM).")
@_output_options
@_debug_option
def invariance_command(spec: Path, data: str, na_values: tuple[str, ...], allow_codes: bool, group: str,
                       steps: str | None, group_partial: str, estimator: str | None, missing: str,
                       output_format: str, out: Path | None, debug: bool,
                       ordered: str | None = None, parameterization: str = "delta",
                       identification: str = "wu.estabrook") -> None:
    """Measurement invariance of SPEC across the groups of a column (multi-group fits)."""
    from .groups import invariance_ladder
    from .groups.invariance import ORDINAL_STEPS, STEPS

    ordered_items = _parse_ordered(ordered, se_type="standard", group=group,
                                   with_modindices=False)
    ladder = STEPS if ordered_items is None else ORDINAL_STEPS
    wanted = None if steps is None else [s.strip() for s in steps.split(",") if s.strip()]
    unknown = [s for s in wanted or () if s not in ladder]
    if unknown or wanted == []:
        raise click.BadParameter(f"unknown step(s) {', '.join(unknown) or '(none given)'}; use "
                                 "any of " + ", ".join(ladder), param_hint="--steps")

    def run() -> Any:
        partial = [p.strip() for p in group_partial.split(",") if p.strip()]
        return invariance_ladder(spec, data, group, steps=wanted, group_partial=partial,
                                 estimator=estimator, missing=cast(Any, missing),
                                 na_values=_parse_na_values(na_values), allow_codes=allow_codes,
                                 ordered=ordered_items,
                                 parameterization=cast(Any, parameterization),
                                 identification=cast(Any, identification))

    result = _run(run, debug)
    _emit(result.to_dict(), result.summary(), output_format, out)


@main.command("compare-paths")
@_data_options
@click.option("--group", required=True, help="The column that defines the groups.")
@click.option("--baseline", default="loadings", show_default=True,
              help="Comma-separated classes equal across groups in the baseline ('' for "
                   "configural).")
@click.option("--estimator", type=click.Choice(["ML", "MLR", "MLM"]), default="ML",
              show_default=True,
              help="MLR, MLM: robust SEs and Satorra-Bentler (2001) scaled chi-square differences.")
@click.option("--missing", type=click.Choice(["listwise", "ml", "ml.x"]), default="listwise",
              show_default=True, help="Missing values: listwise deletion or full-information ML "
              "('ml.x' also keeps cases with missing covariates; not with MLM).")
@_output_options
@_debug_option
def compare_paths_command(spec: Path, data: str, na_values: tuple[str, ...], allow_codes: bool, group: str,
                          baseline: str, estimator: str, missing: str, output_format: str,
                          out: Path | None, debug: bool) -> None:
    """Multi-group analysis: does each structural path of SPEC differ across the groups?"""
    from .groups import compare_paths
    from .groups.layout import EQUALITY_CLASSES

    classes = [c.strip() for c in baseline.split(",") if c.strip()]
    unknown = [c for c in classes if c not in EQUALITY_CLASSES or c == "regressions"]
    if unknown:
        raise click.BadParameter(f"unknown or not allowed: {', '.join(unknown)}; use any of "
                                 + ", ".join(c for c in EQUALITY_CLASSES if c != "regressions"),
                                 param_hint="--baseline")

    def run() -> Any:
        return compare_paths(spec, data, group, baseline_equal=classes,
                             estimator=cast(Any, estimator), missing=cast(Any, missing),
                             na_values=_parse_na_values(na_values), allow_codes=allow_codes)

    result = _run(run, debug)
    _emit(result.to_dict(), result.summary(), output_format, out)


@main.command("report")
@_data_options
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Output file: .html (self-contained), .md, .tex or .docx (Word).")
@click.option("--format", "report_format_name",
              type=click.Choice(["html", "md", "tex", "docx"]),
              default=None, help="Overrides the format implied by --out's suffix.")
@click.option("--method", type=click.Choice(["cb", "pls", "both"]), default="cb",
              show_default=True,
              help="cb: CB-SEM; pls: PLS-SEM; both: the PLS-SEM report with the CB-SEM "
                   "estimates of the same spec beside it.")
@_ordinal_options("the CB-SEM fit, its invariance section and path comparison of ordinal items")
@click.option("--bootstrap", "n_boot", type=click.IntRange(min=0), default=500, show_default=True,
              help="Resamples: the HTMT intervals (cb), the PLS-SEM SEs, p values and "
                   "intervals (pls, both; 0: none).")
@click.option("--seed", type=SEED, default=1, show_default=True,
              help="Seed of the bootstrap resamples (the same seed, the same report).")
@click.option("--group", default=None,
              help="Add a measurement-invariance section across the groups of this column "
                   "(--method cb).")
@click.option("--missing", type=click.Choice(["listwise", "ml", "mean"]), default="listwise",
              show_default=True,
              help="Missing values: listwise deletion; full-information ML (cb); mean "
                   "replacement (pls, both: SmartPLS's default; CB-SEM is then listwise).")
@click.option("--scheme", type=click.Choice(["path", "centroid", "factorial"]), default="path",
              show_default=True, help="PLS-SEM inner weighting scheme (pls, both).")
@click.option("--consistent", is_flag=True, help="Consistent PLS, PLSc (pls, both).")
@_debug_option
def report_command(spec: Path, data: str, na_values: tuple[str, ...], allow_codes: bool, out: Path,
                   report_format_name: str | None, method: str, estimator: str, n_boot: int,
                   seed: int, group: str | None, missing: str, scheme: str, consistent: bool,
                   debug: bool, ordered: str | None = None,
                   parameterization: str = "delta") -> None:
    """Write a report of SPEC on the data: model, data, measurement, fit, estimates, hypotheses
    (--method pls: the PLS-SEM results; both: CB-SEM and PLS-SEM side by side)."""
    from .report import make_report, write_report
    from .report.document import report_format
    from .report.make import MISSING

    ordered_items = _parse_ordered(ordered, se_type="standard", group=group,
                                   with_modindices=False)
    report_format(out, report_format_name)  # refuse r.txt, a missing folder, an input
    _check_out(out)
    if missing not in MISSING[method]:
        raise click.BadParameter(f"--method {method} takes {' or '.join(MISSING[method])}; "
                                 f"got {missing}", param_hint="--missing")
    if group is not None and method != "cb":
        raise click.BadParameter("an invariance section needs --method cb",
                                 param_hint="--group")

    def run() -> Any:
        report = make_report(spec, data, method=cast(Any, method),
                             na_values=_parse_na_values(na_values), allow_codes=allow_codes,
                             missing=missing, estimator=estimator, n_boot=n_boot, seed=seed,
                             group=group, scheme=scheme, consistent=consistent,
                             data_source=data, ordered=ordered_items,
                             parameterization=parameterization)
        return write_report(report, _check_out(out), cast(Any, report_format_name),
                            _input_files())

    path = _run(run, debug)
    click.echo(f"wrote {path}", err=True)


@main.group("robust")
def robust_group() -> None:
    """Scripted robustness studies (one YAML: variants x estimators x samples x groups)."""


@robust_group.command("run")
@click.argument("study", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "directory", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Study directory (default: results/<name> beside the study file).")
@click.option("--jobs", "n_jobs", type=click.IntRange(min=1, max=256), default=1,
              show_default=True,
              help="Local worker processes (results do not depend on it).")
@click.option("--scheduler", default=None,
              help="Run on a dask.distributed cluster, e.g. tcp://127.0.0.1:8786.")
@click.option("--dry-run", is_flag=True, help="Print the plan and its size; run nothing.")
@click.option("--force", is_flag=True,
              help="Start over if the study config changed or the store cannot be read "
                   "(never while another run holds the store).")
@click.option("--retry-errors", is_flag=True, help="Run again the tasks that ended in an error.")
@click.option("--progress/--no-progress", default=True,
              help="A progress bar with the tasks done and the time left.")
@click.option("--debug", is_flag=True, hidden=True)
def robust_run_command(study: Path, directory: Path | None, n_jobs: int, scheduler: str | None,
                       dry_run: bool, force: bool, retry_errors: bool, progress: bool,
                       debug: bool) -> None:
    """Run (or resume) the study in STUDY; finished tasks are kept across crashes."""
    from .robustness import describe_plan, run_study

    if dry_run:
        plan = _run(lambda: describe_plan(study), debug)
        click.echo(plan.to_string(index=False))
        click.echo(f"{int(plan['tasks'].sum())} tasks")
        return
    summary = _run(lambda: run_study(study, directory, n_jobs=n_jobs, force=force,
                                     progress=progress, scheduler=scheduler,
                                     retry_errors=retry_errors), debug)
    repaired = (f", {summary.repaired} unreadable results repaired (run again)"
                if summary.repaired else "")
    click.echo(f"{summary.executed} tasks run, {summary.already_done} already done, "
               f"{summary.planned} planned{repaired}; results in {summary.directory}", err=True)


def _check_summary_out(out: Path, directory: Path, meta: dict[str, str]) -> None:
    """Refuse an ``--out`` that is the study's store, its lock, its study file or a folder."""
    from .exceptions import SpecificationError

    target = out.resolve()
    protected = {(directory / name).resolve() for name in
                 ("results.sqlite", "results.sqlite-journal", "results.sqlite-wal",
                  "results.sqlite-shm", "results.lock")}
    if meta.get("study"):
        protected.add(Path(meta["study"]).resolve())
    if target in protected:
        raise SpecificationError(f"--out {str(out)!r} is the study's own "
                                 f"{'study file' if target.suffix != '.sqlite' else 'store'}; "
                                 "choose another file, e.g. --out summary.html")
    if target.is_dir():
        raise SpecificationError(f"--out {str(out)!r} is a folder; name a file in it")
    if not target.parent.is_dir():
        raise SpecificationError(f"--out {str(out)!r}: the folder {str(out.parent)!r} does "
                                 "not exist; create it first")


def _no_task_ok_note(results: Any) -> str:
    """A note when no task finished ok (e.g. all failed): the first error and the fix."""
    if not results.empty and (results["status"] == "ok").any():
        return ""
    if results.empty:
        return "The store holds no results yet: run the study (loyaltysem robust run STUDY)."
    errors = results.loc[results["status"] == "error", "message"].astype(str)
    first = (errors.iloc[0].splitlines() or [""])[0][:200] if len(errors) else ""
    return (f"No task finished ok ({results['task'].nunique()} tasks"
            + (f"; first error: {first}" if first else "")
            + "): fix the cause, then rerun with --retry-errors.")


@robust_group.command("summarize")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "markdown", "html"]),
              default="text", show_default=True, help="Output format.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the summary to this file instead of the terminal.")
@click.option("--debug", is_flag=True, hidden=True)
def robust_summarize_command(directory: Path, output_format: str, out: Path | None,
                             debug: bool) -> None:
    """Summarize a study directory: per statistic and condition."""
    from .robustness import status_counts, summarize
    from .robustness.power import power_table
    from .robustness.store import read_store
    from .summary import Summary

    results, meta = _run(lambda: read_store(directory), debug)
    if out is not None:
        _run(lambda: _check_summary_out(out, directory, meta), debug)
    simulated = bool("sample" in results and results["sample"].str.startswith("simulate").any())
    table = power_table(results) if simulated else summarize(results)
    sections = [("Tasks", status_counts(results)),
                ("Monte Carlo power" if simulated else "Statistics", table)]
    summary = Summary(f"Robustness study: {directory.name}", tuple(sections))
    text = {"text": summary.as_text, "markdown": summary.as_markdown,
            "html": summary.as_html}[output_format]()
    note = _no_task_ok_note(results)
    if note:
        click.echo(f"note: {note}", err=True)
    if output_format == "html":
        text = _study_html(summary.title, text, table, simulated)
    _write(text, out)


def _study_html(title: str, body: str, table: Any, simulated: bool) -> str:
    """A self-contained HTML page: the tables and a figure (power curves or a forest plot)."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .escaping import html_text
    from .plot import forest_plot, power_curve

    title = html_text(title)  # once, for both pages
    if table.empty:   # nothing finished ok: the tables alone
        return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}"
                "</title></head><body style='font-family: sans-serif'>" + body + "</body></html>")
    if simulated:
        figure = power_curve(table)
    else:
        rows = table[(table["sample"] == "bootstrap") & ~table["statistic"].str.endswith(":=")]
        rows = rows.assign(label=(rows["statistic"] + " | " + rows["variant"] + " | "
                                  + rows["estimator"] + " | " + rows["group"]))  # forest_plot
        # draws labels literally (plot.figures.literal)
        figure = forest_plot(rows.head(40), label="label", estimate="full_estimate",
                             lower="lower", upper="upper",
                             title="Paths across conditions (bootstrap percentile intervals)")
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{title}</title>"
            "</head><body style='font-family: sans-serif'>" + body + f"<figure>{svg}</figure>"
            "</body></html>")


@main.command("simulate")
@click.option("--population", type=click.Choice(["loyalty_chain"]), default="loyalty_chain",
              show_default=True, help="The population model (loyaltysem.data.synthetic).")
@click.option("--n", "n_rows", type=click.IntRange(min=1, max=MAX_SIMULATED_ROWS), required=True,
              help="Number of respondents.")
@click.option("--seed", type=SEED, required=True, help="Seed: the same seed, the same data.")
@click.option("--likert", "likert_points", type=click.IntRange(min=2, max=MAX_LIKERT_POINTS),
              default=None,
              help="Discretize every item to a k-point scale (default: continuous).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="CSV file to write.")
def simulate_command(population: str, n_rows: int, seed: int, likert_points: int | None,
                     out: Path) -> None:
    """Draw a synthetic survey from a population model (for power studies and teaching)."""
    from .data.synthetic import loyalty_chain_population, simulate_survey

    from .output import check_output_path, write_text_file

    def run() -> Any:
        check_output_path(out)  # before the draws
        model = {"loyalty_chain": loyalty_chain_population}[population]()
        data = simulate_survey(model, n_rows, seed=seed, likert_points=likert_points)
        write_text_file(out, data.to_csv(index=False))
        return data

    data = _run(run, debug=False)
    click.echo(f"wrote {out} ({len(data)} rows, {data.shape[1]} items)", err=True)


@main.command("datasets")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True,
              help="text (a table), json (a list of records) or markdown (a pipe table).")
def datasets_command(output_format: str) -> None:
    """List the shipped datasets."""
    from .data import list_datasets

    _echo_listing(list_datasets(), output_format)


@main.command("models")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True,
              help="text (a table), json (a list of records) or markdown (a pipe table).")
def models_command(output_format: str) -> None:
    """List the shipped models: NAME works as SPEC in fit, validate, report, ..."""
    from .spec import list_models

    _echo_listing(list_models(), output_format)


def _echo_listing(table: Any, output_format: str) -> None:
    """Print a listing of shipped things (a DataFrame of names and files) as text, JSON or
    Markdown; the cells are the package's own file names and metadata."""
    if output_format == "json":
        click.echo(json.dumps(table.to_dict(orient="records"), indent=2))
    elif output_format == "markdown":
        header = "| " + " | ".join(table.columns) + " |"
        rule = "| " + " | ".join("---" for _ in table.columns) + " |"
        rows = ["| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(index=False)]
        click.echo("\n".join([header, rule, *rows]))
    else:
        click.echo(table.to_string(index=False))


if __name__ == "__main__":  # pragma: no cover
    main()
