# Helpers shared by tests/reference/make_core_*_reference.R (sourced, not run
# on its own). Every case is one self-describing JSON file in
# tests/reference/core/ -- see the "core/" section of tests/reference/README.md
# for the layout.
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })

CORE_DIR <- "tests/reference/core"
HS_CSV <- "datasets/holzinger_swineford/holzinger_swineford.csv"
PD_CSV <- "datasets/political_democracy/political_democracy.csv"
CR_CSV <- "datasets/corp_rep/corp_rep.csv"
MOBI_CSV <- "datasets/mobi/mobi.csv"
HS_MISSING_CSV <- "tests/reference/data/hs_missing.csv"
PD_MISSING_CSV <- "tests/reference/data/poldem_missing.csv"
HS_X <- paste0("x", 1:9)
PD_VARS <- c(paste0("y", 1:8), paste0("x", 1:3))

read_model <- function(path) paste(readLines(path, warn = FALSE), collapse = "\n")

# The data as every reference script reads it: HS and PD have an unnamed
# first column of row names (dropped), corp_rep codes missing as -99.
read_data <- function(path, rownames = FALSE, na = character(0)) {
  read.csv(path, row.names = if (rownames) 1L else NULL,
           na.strings = c("NA", na), stringsAsFactors = FALSE)
}

# Evaluate `expr`, collecting warnings (as strings) and a possible error.
capture <- function(expr) {
  warns <- character(0)
  value <- tryCatch(
    withCallingHandlers(expr, warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    }),
    error = function(e) structure(conditionMessage(e), class = "capture_error")
  )
  err <- if (inherits(value, "capture_error")) unclass(value) else NULL
  if (!is.null(err)) value <- NULL
  list(value = value, warnings = warns, error = err)
}

# A matrix as {"names": [...], "values": [[row], ...]} (row-major); a vector
# as {"names": [...], "values": [...]}.
mat_obj <- function(m) {
  if (is.null(m)) return(NULL)
  m <- unclass(m)
  if (is.matrix(m)) {
    return(list(names = I(rownames(m)), col_names = I(colnames(m)),
                values = unname(as.matrix(m))))
  }
  list(names = I(names(m)), values = I(unname(as.numeric(m))))
}

# lavInspect(fit, "implied") / "sampstat" / "sampstat.h1": one {cov, mean,
# ...} per group; a single-group fit is written as a one-element list too
# (keyed by the group label, or "1" without groups).
moments_obj <- function(x, group_labels) {
  one <- function(g) {
    out <- list()
    for (k in names(g)) out[[k]] <- mat_obj(g[[k]])
    out
  }
  if (!is.null(x$cov) || !is.null(x$mean) || !is.null(x$res.cov)) x <- list(x)
  lab <- if (length(group_labels) == length(x) && length(group_labels) > 0L)
    group_labels else as.character(seq_along(x))
  setNames(lapply(x, one), lab)
}

# parameterEstimates() rows (all columns), plus parTable()$free and $exo
# matched on lhs/op/rhs/block.
estimates_rows <- function(fit, ...) {
  pe <- as.data.frame(parameterEstimates(fit, ...))
  pt <- as.data.frame(parTable(fit))
  key <- function(d) {
    k <- paste(d$lhs, d$op, d$rhs, sep = "\r")
    if (!is.null(d$block) && !is.null(pe$block)) k <- paste(k, d$block, sep = "\r")
    k
  }
  keep <- !(pt$op %in% c("==", "<", ">"))
  stopifnot(!anyDuplicated(key(pt)[keep]))
  idx <- match(key(pe), ifelse(keep, key(pt), NA))
  if (anyNA(idx)) stop("parameterEstimates rows not found in parTable")
  pe$free <- as.integer(pt$free[idx])
  pe$exo <- as.integer(pt$exo[idx])
  rownames(pe) <- NULL
  pe
}

# All of fitMeasures(fit) ("all" is the default). JSON null stands for NA,
# NaN and Inf alike, so `fit_nonfinite` says which one each null is.
fit_list <- function(fm) as.list(setNames(as.numeric(fm), names(fm)))
nonfinite <- function(v) {
  v <- unlist(v)
  bad <- !is.finite(v)
  if (!any(bad)) return(setNames(list(), character(0)))
  lab <- ifelse(is.nan(v[bad]), "NaN", ifelse(is.na(v[bad]), "NA",
                ifelse(v[bad] > 0, "Inf", "-Inf")))
  as.list(setNames(lab, names(v)[bad]))
}

effective_options <- function(fit) {
  o <- lavInspect(fit, "options")
  keep <- c("estimator", "se", "test", "information", "observed.information",
            "h1.information", "likelihood", "missing", "meanstructure",
            "fixed.x", "conditional.x", "auto.cov.y", "auto.cov.lv.x",
            "auto.var", "auto.fix.first", "int.ov.free", "int.lv.free",
            "std.lv", "ceq.simple", "sample.cov.rescale", "group.equal",
            "group.partial", "check.post", "bootstrap", "optim.method")
  res <- o[intersect(keep, names(o))]
  lapply(res, function(v) if (length(v) != 1L) I(v) else v)
}

# Options as passed to sem(), for the JSON (vectors stay arrays).
options_json <- function(opts) {
  lapply(opts, function(v) if (is.atomic(v) && length(v) != 1L) I(v) else v)
}

# The sem() call as text, for the reader.
call_text <- function(opts, data = TRUE, summary = FALSE) {
  parts <- c("model", if (data) "data = d")
  if (summary) parts <- c(parts, "sample.cov = S", "sample.nobs = N")
  for (k in names(opts)) parts <- c(parts, paste(k, "=", paste(deparse(opts[[k]]), collapse = "")))
  paste0("sem(", paste(parts, collapse = ", "), ")")
}

write_case <- function(out, name) {
  dir.create(CORE_DIR, showWarnings = FALSE, recursive = TRUE)
  for (k in names(out)) if (is.null(out[[k]])) out[k] <- list(NA)  # null, not {}
  write_json(out, file.path(CORE_DIR, paste0(name, ".json")),
             digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE)
}

# Fit one case and write core/<name>.json.
#   spec$syntax        lavaan model syntax (string)
#   spec$model_file    where it comes from (or NULL when written inline)
#   spec$data          csv path (NULL for summary-data fits), spec$rownames, spec$na
#   spec$opts          named list of further sem() arguments (recorded as passed)
#   spec$summary       for summary-data fits: list(sample.cov =, sample.mean =,
#                      sample.nobs =) passed to sem() and recorded
#   spec$vcov, spec$h1, spec$std_solution   extra extractions
#   spec$extra         list merged into the JSON as is
run_case <- function(name, spec) {
  opts <- if (is.null(spec$opts)) list() else spec$opts
  args <- c(list(model = spec$syntax), opts)
  d <- NULL
  if (!is.null(spec$data)) {
    d <- read_data(spec$data, isTRUE(spec$rownames), if (is.null(spec$na)) character(0) else spec$na)
    args$data <- d
  }
  if (!is.null(spec$summary)) args <- c(args, spec$summary)
  out <- list(case = name, description = spec$description,
              lavaan_version = as.character(packageVersion("lavaan")),
              r_version = paste(R.version$major, R.version$minor, sep = "."),
              function_name = "sem",
              call = call_text(opts, data = !is.null(spec$data), summary = !is.null(spec$summary)),
              syntax = spec$syntax, model_file = spec$model_file,
              data = spec$data,
              data_rownames_dropped = isTRUE(spec$rownames),
              na_values = I(c("NA", if (is.null(spec$na)) character(0) else spec$na)),
              options = options_json(opts))
  if (!is.null(spec$notes)) out$notes <- I(spec$notes)
  if (!is.null(spec$summary_record)) out$summary_data <- spec$summary_record
  if (!is.null(d)) out$norig_file <- nrow(d)
  res <- capture(do.call("sem", args))
  if (!is.null(res$error)) {
    out$error <- res$error
    out$warnings <- I(res$warnings)
    if (!is.null(spec$extra)) out <- c(out, spec$extra)
    write_case(out, name)
    cat(sprintf("%-28s ERROR: %s\n", name, res$error))
    return(invisible(NULL))
  }
  fit <- res$value
  glabels <- lavInspect(fit, "group.label")
  ex <- capture({
    pt <- as.data.frame(parTable(fit))
    fm <- fitMeasures(fit)
    e <- list(
      group = if (!is.null(opts$group)) opts$group else NULL,
      group_labels = I(glabels),
      ngroups = lavInspect(fit, "ngroups"),
      nobs = I(lavInspect(fit, "nobs")),
      norig = I(lavInspect(fit, "norig")),
      ntotal = lavInspect(fit, "ntotal"),
      converged = lavInspect(fit, "converged"),
      iterations = lavInspect(fit, "iterations"),
      npar_free_index = max(pt$free),
      n_eq_constraints = sum(pt$op == "=="),
      n_ineq_constraints = sum(pt$op %in% c("<", ">")),
      lavaan_options = effective_options(fit),
      estimates = estimates_rows(fit, standardized = TRUE),
      partable = pt,
      fit = fit_list(fm),
      fit_nonfinite = nonfinite(fit_list(fm)),
      implied = moments_obj(lavInspect(fit, "implied"), glabels),
      sampstat = moments_obj(lavInspect(fit, "sampstat"), glabels))
    if (isTRUE(spec$h1)) e$sampstat_h1 <- moments_obj(lavInspect(fit, "sampstat.h1"), glabels)
    if (isTRUE(spec$vcov)) e$vcov <- mat_obj(lavInspect(fit, "vcov"))
    if (!isFALSE(spec$std_solution)) {
      ss <- as.data.frame(standardizedSolution(fit))
      rownames(ss) <- NULL
      e$standardized_solution <- ss
    }
    e
  })
  if (!is.null(ex$error)) stop(sprintf("%s: extraction failed: %s", name, ex$error))
  out <- c(out, ex$value)
  out$warnings <- I(res$warnings)
  out$extraction_warnings <- I(ex$warnings)
  if (!is.null(spec$extra)) out <- c(out, spec$extra)
  if (is.function(spec$post)) out <- spec$post(fit, out)
  write_case(out, name)
  f <- out$fit
  cat(sprintf("%-28s N=%s npar=%s chisq=%.4f df=%s conv=%s warn=%d\n", name,
              paste(out$nobs, collapse = "+"), f$npar, f$chisq, f$df, out$converged,
              length(res$warnings)))
  invisible(fit)
}

wanted_cases <- function(cases) {
  wanted <- commandArgs(trailingOnly = TRUE)
  if (length(wanted) > 0L) cases[wanted] else cases
}

# Constraint rows (==, <, >) as parameterEstimates() reports them when asked
# (est = the value of the constraint's left side, e.g. a - b for a == b ...).
constraint_rows <- function(fit, out) {
  pe <- parameterEstimates(fit, remove.eq = FALSE, remove.ineq = FALSE,
                           remove.system.eq = FALSE)
  pe <- as.data.frame(pe[pe$op %in% c("==", "<", ">"), , drop = FALSE])
  rownames(pe) <- NULL
  out$constraint_rows <- pe
  out
}
