"""make_report: fit a spec by CB-SEM, PLS-SEM or both and build its report in one call.

This is what ``loyaltysem report SPEC --data X --method cb|pls|both`` runs.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from ..arguments import check_choice, check_int
from ..exceptions import ArgumentError, SpecificationError

if TYPE_CHECKING:
    import pandas as pd

    from ..data.checks import NaValues
    from ..spec import ModelSpec
    from .document import AnalysisReport
    from .pls_document import PLSReport

ReportMethod = Literal["cb", "pls", "both"]
METHODS = ("cb", "pls", "both")
#: the missing-data policies each method takes (``both``: PLS-SEM's; CB-SEM is listwise then)
MISSING = {"cb": ("listwise", "ml"), "pls": ("listwise", "mean"), "both": ("listwise", "mean")}


def make_report(spec: ModelSpec | str | Path, data: pd.DataFrame | str | Path, *,
                method: ReportMethod = "cb", na_values: NaValues = None,
                allow_codes: bool = False, missing: str = "listwise",
                estimator: str | None = None,
                n_boot: int = 500, seed: int | None = 1, group: str | None = None,
                scheme: str = "path", consistent: bool = False,
                data_source: str | None = None,
                ordered: bool | Sequence[str] | None = None,
                parameterization: str = "delta") -> AnalysisReport | PLSReport:
    """Fit ``spec`` on ``data`` by the chosen method(s) and build the report.

    Parameters
    ----------
    spec : ModelSpec, path or str
    data : pandas.DataFrame, path or str
        Survey data, a CSV path or a shipped dataset's name.
    method : {"cb", "pls", "both"}
        ``"cb"``: the CB-SEM report (:func:`~loyaltysem.report.build_report`);
        ``"pls"``: the PLS-SEM report (:func:`~loyaltysem.report.build_pls_report`);
        ``"both"``: the PLS-SEM report with CB-SEM's estimates of the same spec
        beside it (or, when CB-SEM refuses the spec, e.g. for composites, a
        sentence saying so).
    na_values, allow_codes
        Missing-value codes, as :func:`loyaltysem.fit`.
    missing : str
        ``"cb"``: ``"listwise"`` or ``"ml"`` (full-information ML);
        ``"pls"`` and ``"both"``: ``"listwise"`` or ``"mean"`` (mean
        replacement, SmartPLS's and seminr's default; the CB-SEM fit of
        ``"both"`` is then listwise, and the report says so).
    estimator : {"ML", "MLR", "MLM", "WLSMV", "ULSMV", "DWLS", "ULS", "WLS"}, optional
        The CB-SEM estimator (default ML; with ordinal items WLSMV).
    ordered : bool or list of str, optional
        Ordinal items of the CB-SEM fit and its invariance section (as
        :func:`loyaltysem.fit`; None: those the spec declares).
    parameterization : {"delta", "theta"}
        With ordinal items.
    n_boot : int
        Bootstrap resamples: the HTMT intervals (CB-SEM), the PLS-SEM path and
        effect SEs, p values and percentile intervals (0: none).
    seed : int, optional
    group : str, optional
        CB-SEM only: a measurement-invariance section across this column's groups.
    scheme : {"path", "centroid", "factorial"}
        The PLS inner weighting scheme.
    consistent : bool
        Consistent PLS (PLSc).
    data_source : str, optional
        Shown in the Data section; by default the dataset name or path given.

    Returns
    -------
    AnalysisReport or PLSReport
        For :func:`~loyaltysem.report.render_report` and
        :func:`~loyaltysem.report.write_report`.

    Raises
    ------
    ArgumentError
        An unknown method, a missing-data policy the method does not take, or
        ``group`` with PLS-SEM; checked before anything is fitted.

    Examples
    --------
    >>> from loyaltysem.report import make_report, write_report
    >>> report = make_report("models/corp_rep.yaml", "corp_rep", method="both",
    ...                      na_values=[-99], missing="mean")  # doctest: +SKIP
    >>> write_report(report, "corp_rep.html")  # doctest: +SKIP
    """
    method = cast(ReportMethod, check_choice("method", method, METHODS))
    missing = check_choice("missing", missing, MISSING[method])
    n_boot = check_int("n_boot", n_boot, low=0)
    if group is not None and method != "cb":
        raise ArgumentError("group (an invariance section) needs method='cb'; PLS-SEM "
                            "multi-group analysis is not part of the report")
    from ..data.registry import resolve_data
    from ..spec import as_spec

    source = data_source if data_source is not None else (
        str(data) if isinstance(data, (str, Path)) else None)
    model = as_spec(spec)
    frame = data if not isinstance(data, (str, Path)) else resolve_data(data, na_values=na_values)
    if method == "cb":
        return _cb_report(model, frame, na_values=na_values, allow_codes=allow_codes,
                          missing=missing, estimator=estimator, n_boot=n_boot, seed=seed,
                          group=group, data_source=source,
                          ordinal={"ordered": ordered, "parameterization": parameterization})
    return _pls_report(model, frame, both=method == "both", na_values=na_values,
                       allow_codes=allow_codes, missing=missing, estimator=estimator,
                       n_boot=n_boot, seed=seed, scheme=scheme, consistent=consistent,
                       data_source=source)


def _cb_report(spec: ModelSpec, frame: pd.DataFrame, *, na_values: NaValues, allow_codes: bool,
               missing: str, estimator: str | None, n_boot: int, seed: int | None,
               group: str | None, data_source: str | None,
               ordinal: dict[str, Any] | None = None) -> AnalysisReport:
    """The CB-SEM report (with the invariance section across ``group``)."""
    from ..estimate import fit
    from .document import build_report

    ordinal = ordinal or {}
    result = fit(spec, frame, na_values=na_values, allow_codes=allow_codes,
                 estimator=cast(Any, estimator), missing=cast(Any, missing),
                 emit_warnings=False, **ordinal)
    invariance = paths = None
    if group is not None:
        from ..groups import compare_paths, invariance_ladder

        codes = _code_list(na_values)
        options = ordinal if result.estimator in ("WLSMV", "ULSMV", "DWLS", "ULS", "WLS") \
            else {}
        invariance = invariance_ladder(spec, frame, group, na_values=codes,
                                       allow_codes=allow_codes, **options)
        paths = (compare_paths(spec, frame, group, na_values=codes,
                               allow_codes=allow_codes, **options)
                 if result.spec.structural_paths else None)
    return build_report(result, n_boot=n_boot, seed=seed, invariance=invariance,
                        paths_across_groups=paths, data_source=data_source)


def _code_list(na_values: NaValues) -> list[float | str] | None:
    """The missing-value codes as the list :mod:`loyaltysem.groups` takes."""
    if na_values is None:
        return None
    values = [na_values] if isinstance(na_values, (str, int, float)) else list(na_values)
    return [v if isinstance(v, str) else float(v) for v in values]


def _pls_report(spec: ModelSpec, frame: pd.DataFrame, *, both: bool, na_values: NaValues,
                allow_codes: bool, missing: str, estimator: str | None, n_boot: int,
                seed: int | None, scheme: str, consistent: bool,
                data_source: str | None) -> PLSReport:
    """The PLS-SEM report; with ``both`` the CB-SEM fit beside it (listwise, or FIML never)."""
    from ..pls import bootstrap_pls, fit_pls
    from .pls_document import build_pls_report

    result = fit_pls(spec, frame, na_values=na_values, allow_codes=allow_codes,
                     missing=cast(Any, missing), scheme=cast(Any, scheme),
                     consistent=consistent)
    if n_boot:
        result = result.with_bootstrap(bootstrap_pls(result, n_boot, seed=seed))
    cb = refused = None
    if both:
        from ..estimate import fit

        try:
            cb = fit(spec, frame, na_values=na_values, allow_codes=allow_codes,
                     estimator=cast(Any, estimator), missing="listwise", emit_warnings=False)
        except SpecificationError as error:  # composites, or not identified as a CB-SEM
            refused = str(error)
    return build_pls_report(result, cb=cb, cb_refused=refused, n_total=len(frame),
                            data_source=data_source)


__all__ = ["METHODS", "ReportMethod", "make_report"]
