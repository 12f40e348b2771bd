# Inference reference values from lavaan (issue #11, point 3): modification
# indices, score tests, Wald tests, nested-model (chi-square difference)
# tests and std.lv identification.
#
# Run from the repository root:  Rscript tests/reference/make_inference_reference.R
# (the Bollen-Stine bootstrap is in make_inference_bootstrap_reference.R).
# Writes tests/reference/inference/<case>.json, one file per case:
#   mi_<model>.json        modindices(fit, sort. = FALSE) (all rows, also NA ones)
#   score_<case>.json      lavTestScore(): total, univariate, cumulative, epc
#   wald_<case>.json       lavTestWald() for several constraint strings
#   lrt_<case>.json        lavTestLRT() of nested models (ML, MLR, MLM)
#   stdlv_<model>.json     sem(..., std.lv = TRUE)
# Every fit in a file is stored with its syntax, data path, options,
# parameterEstimates(standardized = TRUE) (est, se, std.lv, std.all, std.nox),
# parTable() (free index, plabel: lavTestScore names constraints by plabel),
# and all fitMeasures(). Everything is deterministic (no random numbers).
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })

OUT_DIR <- "tests/reference/inference"
dir.create(OUT_DIR, showWarnings = FALSE, recursive = TRUE)
HS <- "datasets/holzinger_swineford/holzinger_swineford.csv"
PD <- "datasets/political_democracy/political_democracy.csv"
CORP <- "datasets/corp_rep/corp_rep.csv"
DATA <- list(
  hs = list(path = HS, rownames = TRUE, na = character(0)),
  pd = list(path = PD, rownames = TRUE, na = character(0)),
  corp = list(path = CORP, rownames = FALSE, na = "-99"))
read_data <- function(key) {
  x <- DATA[[key]]
  read.csv(x$path, row.names = if (x$rownames) 1L else NULL,
           na.strings = c("NA", x$na), stringsAsFactors = FALSE)
}
DFS <- lapply(setNames(names(DATA), names(DATA)), read_data)
read_syntax <- function(path) paste(readLines(path, warn = FALSE), collapse = "\n")
strip_comments <- function(s) {
  l <- sub("#.*$", "", strsplit(s, "\n", fixed = TRUE)[[1]])
  paste(l[nzchar(trimws(l))], collapse = "\n")
}

VERSIONS <- list(R = R.version.string,
                 lavaan = as.character(packageVersion("lavaan")),
                 jsonlite = as.character(packageVersion("jsonlite")))

# run an expression, collecting (and muffling) its warnings
with_warnings <- function(expr) {
  w <- character(0)
  value <- withCallingHandlers(expr, warning = function(cond) {
    w <<- c(w, conditionMessage(cond)); invokeRestart("muffleWarning")
  })
  list(value = value, warnings = I(w))
}

# fit a model and keep what the Python side needs to check it fits the same model
fit_case <- function(syntax, data_key, model_path = NA, ...) {
  args <- list(...)
  r <- with_warnings(sem(syntax, data = DFS[[data_key]], ...))
  fit <- r$value
  pe <- parameterEstimates(fit, standardized = TRUE, rsquare = FALSE)
  if (is.null(pe$label)) pe$label <- ""
  keep <- intersect(c("lhs", "op", "rhs", "block", "group", "label", "est", "se",
                      "z", "pvalue", "std.lv", "std.all", "std.nox"), names(pe))
  pt <- parTable(fit)
  ptkeep <- intersect(c("id", "lhs", "op", "rhs", "user", "block", "group", "free",
                        "ustart", "exo", "label", "plabel", "est", "se"), names(pt))
  opts <- lavInspect(fit, "options")
  info <- list(
    model_path = model_path,
    syntax = syntax,
    data = DATA[[data_key]]$path,
    data_rownames_column = DATA[[data_key]]$rownames,
    na_values = I(DATA[[data_key]]$na),
    call_options = args,
    options = opts[c("estimator", "se", "test", "information", "h1.information",
                     "observed.information", "missing", "fixed.x", "meanstructure",
                     "std.lv", "group.equal", "likelihood", "mimic")],
    nobs = I(lavInspect(fit, "nobs")),
    norig = I(lavInspect(fit, "norig")),
    npar = lavInspect(fit, "npar"),
    converged = lavInspect(fit, "converged"),
    warnings = r$warnings,
    estimates = pe[, keep],
    partable = as.data.frame(pt[ptkeep]),
    fit = as.list(fitMeasures(fit)))
  if (lavInspect(fit, "ngroups") > 1L) info$group_labels <- I(lavInspect(fit, "group.label"))
  list(fit = fit, info = info)
}

write_case <- function(name, x) {
  x$versions <- VERSIONS
  write_json(x, file.path(OUT_DIR, paste0(name, ".json")), digits = NA,
             auto_unbox = TRUE, na = "null", pretty = TRUE)
  cat("wrote", name, "\n")
}

# ---------------------------------------------------------------- models
M <- list(
  hs_cfa = list(syntax = read_syntax("models/hs_cfa.lav"), data = "hs", path = "models/hs_cfa.lav"),
  poldem = list(syntax = read_syntax("models/poldem.lav"), data = "pd", path = "models/poldem.lav"),
  corp_rep = list(syntax = read_syntax("models/corp_rep.lav"), data = "corp", path = "models/corp_rep.lav"),
  hs_mimic = list(syntax = read_syntax("tests/reference/models/hs_mimic.lav"), data = "hs",
                  path = "tests/reference/models/hs_mimic.lav"),
  poldem_eq = list(syntax = read_syntax("tests/reference/models/poldem_eq.lav"), data = "pd",
                   path = "tests/reference/models/poldem_eq.lav"))
# inline variants (written into the JSON as syntax)
HS_X1X9 <- paste(M$hs_cfa$syntax, "x1 ~~ x9", sep = "\n")
HS_ONE <- "g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9"
# poldem with labelled, free loadings (no equality constraints): a, b, c at
# 1960 and a2, b2, c2 at 1965
PD_LAB <- "
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + a*y2 + b*y3 + c*y4
dem65 =~ y5 + a2*y6 + b2*y7 + c2*y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8"

# ---------------------------------------------------------------- 1. modindices
MI_ARGS <- list(sort. = FALSE, standardized = TRUE, cov.std = TRUE, information = "expected",
                power = FALSE, free.remove = TRUE, na.remove = FALSE, minimum.value = 0)
mi_table <- function(fit, ...) {
  r <- with_warnings(modindices(fit, sort. = FALSE, na.remove = FALSE, ...))
  tab <- as.data.frame(r$value)
  rownames(tab) <- NULL
  list(table = tab, warnings = r$warnings)
}
mi_cases <- list(
  hs_cfa = list(m = "hs_cfa"), poldem = list(m = "poldem"), corp_rep = list(m = "corp_rep"),
  hs_mimic = list(m = "hs_mimic"), poldem_eq = list(m = "poldem_eq"),
  hs_cfa_mlr = list(m = "hs_cfa", estimator = "MLR"),
  hs_school_configural = list(m = "hs_cfa", group = "school"),
  hs_school_metric = list(m = "hs_cfa", group = "school", group.equal = "loadings"))
for (name in names(mi_cases)) {
  cs <- mi_cases[[name]]; mm <- M[[cs$m]]
  extra <- cs[setdiff(names(cs), "m")]
  fc <- do.call(fit_case, c(list(syntax = mm$syntax, data_key = mm$data, model_path = mm$path), extra))
  mi <- mi_table(fc$fit)
  out <- list(case = name, description = paste(
    "modindices(fit, sort. = FALSE, na.remove = FALSE) with the other arguments at their",
    "defaults (standardized = TRUE, cov.std = TRUE, information = 'expected', power = FALSE,",
    "free.remove = TRUE). Rows are every parameter not in the model (lavaan's 'full'",
    "parameter table); rows whose mi is NA (V diagonal < eps^(1/3), e.g. parameters that",
    "are not identified when added) are kept here; lavaan's default na.remove = TRUE drops them.",
    "For multi-group fits 'block' and 'group' are 1-based group numbers in group_labels order."),
    call = "modindices", arguments = MI_ARGS,
    fit = fc$info, modindices = mi$table, modindices_warnings = mi$warnings,
    n_rows = nrow(mi$table), n_rows_na_mi = sum(is.na(mi$table$mi)))
  if (name == "hs_cfa") {
    # the power variant (Saris, Satorra & van der Veld 2009): delta = 0.1, alpha = .05, high.power = .75
    pw <- mi_table(fc$fit, power = TRUE, delta = 0.1, alpha = 0.05, high.power = 0.75)
    out$modindices_power <- pw$table
    out$modindices_power_arguments <- list(power = TRUE, delta = 0.1, alpha = 0.05, high.power = 0.75)
  }
  write_case(paste0("mi_", name), out)
}

# ---------------------------------------------------------------- 2. score tests
score_to_list <- function(st) {
  o <- list()
  for (k in names(st)) { x <- as.data.frame(st[[k]]); rownames(x) <- NULL; o[[k]] <- x }
  o
}
run_score <- function(fit, ...) {
  r <- with_warnings(lavTestScore(fit, ...))
  c(score_to_list(r$value), list(warnings = r$warnings))
}
# poldem_eq: release each of the 3 equality constraints (a, b, c across time)
fc <- fit_case(M$poldem_eq$syntax, "pd", M$poldem_eq$path)
fc_mlr <- fit_case(M$poldem_eq$syntax, "pd", M$poldem_eq$path, estimator = "MLR")
write_case("score_poldem_eq", list(
  case = "score_poldem_eq",
  description = paste(
    "lavTestScore on poldem_eq (labels a, b, c shared by the 1960 and 1965 loadings:",
    "three '==' constraints between plabels; see fit$partable for which plabel is which",
    "parameter). default: lavTestScore(fit) (univariate = TRUE);",
    "cumulative: lavTestScore(fit, cumulative = TRUE); epc: lavTestScore(fit, epc = TRUE)",
    "(the epc table is the partable with epc/epv/sepc.* for releasing ALL tested constraints",
    "jointly); release_1_2: lavTestScore(fit, release = 1:2) (total test of releasing",
    "constraints 1 and 2 with constraint 3 kept). mlr: the same model with estimator = 'MLR';",
    "lavaan 0.6-14 warns and computes the ordinary (non-robust) score test."),
  fit = fc$info,
  default = run_score(fc$fit),
  cumulative = run_score(fc$fit, cumulative = TRUE),
  epc = run_score(fc$fit, epc = TRUE),
  release_1_2 = run_score(fc$fit, release = 1:2),
  release_3 = run_score(fc$fit, release = 3L),
  mlr = list(fit = fc_mlr$info, default = run_score(fc_mlr$fit))))

# HS by school, metric: release the loadings equality constraints
fc <- fit_case(M$hs_cfa$syntax, "hs", M$hs_cfa$path, group = "school", group.equal = "loadings")
fc_conf <- fit_case(M$hs_cfa$syntax, "hs", M$hs_cfa$path, group = "school")
write_case("score_hs_school_metric", list(
  case = "score_hs_school_metric",
  description = paste(
    "lavTestScore on the HS metric model by school (group.equal = 'loadings': 6 '=='",
    "constraints .pK. == .pL. between the group-1 and group-2 free loadings). default:",
    "lavTestScore(fit); cumulative = TRUE; epc = TRUE. configural_fit: the configural model,",
    "for comparing the total score test with the LRT (chisq difference)."),
  fit = fc$info, configural_fit = fc_conf$info,
  default = run_score(fc$fit),
  cumulative = run_score(fc$fit, cumulative = TRUE),
  epc = run_score(fc$fit, epc = TRUE)))

# hs_cfa: added parameters
fc <- fit_case(M$hs_cfa$syntax, "hs", M$hs_cfa$path)
add2 <- c("x1 ~~ x9", "visual =~ x9")
write_case("score_hs_cfa_add", list(
  case = "score_hs_cfa_add",
  description = paste(
    "lavTestScore(fit, add = ...) on hs_cfa: score tests for parameters added to the model",
    "(each tested as 'label == 0'; lhs is the lavaan label of the added parameter, e.g.",
    "'x1~~x9', 'visual=~x9'). add_x1x9: add = 'x1 ~~ x9' (its X2 equals modindices' mi of",
    "x1 ~~ x9); add_x1x9_epc: same with epc = TRUE; add_two: add = c('x1 ~~ x9',",
    "'visual =~ x9') with univariate = TRUE, cumulative = TRUE, epc = TRUE (uni has an epc",
    "column: the epc of each added parameter when only it is released); freed_x1x9_fit: the",
    "model with x1 ~~ x9 actually freed (for the LRT/score comparison)."),
  add_x1x9 = list(add = I("x1 ~~ x9"), result = run_score(fc$fit, add = "x1 ~~ x9")),
  add_x1x9_epc = list(add = I("x1 ~~ x9"), result = run_score(fc$fit, add = "x1 ~~ x9", epc = TRUE)),
  add_two = list(add = I(add2), result = run_score(fc$fit, add = add2, cumulative = TRUE, epc = TRUE)),
  fit = fc$info,
  freed_x1x9_fit = fit_case(HS_X1X9, "hs", NA)$info))

# ---------------------------------------------------------------- 3. Wald tests
run_wald <- function(fit, constraints) {
  r <- with_warnings(lavTestWald(fit, constraints = constraints))
  # the pieces lavTestWald computes internally (same code path, 0.6-14):
  # h = ceq(theta) (one value per constraint, lhs - rhs) and its Jacobian J
  PT <- as.data.frame(fit@ParTable, stringsAsFactors = FALSE)
  PT <- PT[PT$op != "==", ]
  CON <- attr(lavParseModelString(constraints), "constraints")
  LIST <- list(lhs = unlist(lapply(CON, "[[", "lhs")), op = unlist(lapply(CON, "[[", "op")),
               rhs = unlist(lapply(CON, "[[", "rhs")))
  ceq <- lavaan:::lav_partable_constraints_ceq(partable = as.list(PT), con = LIST)
  theta <- fit@optim$x
  J <- lavaan:::lav_func_jacobian_complex(func = ceq, x = theta)
  c(list(constraints = constraints), r$value,
    list(h = I(as.numeric(ceq(theta))),
         jacobian = list(columns = I(lav_partable_labels(fit@ParTable, type = "free")),
                         values = unname(J)),
         warnings = r$warnings))
}
lav_partable_labels <- lavaan:::lav_partable_labels
pd_cons <- c("a == b", "a == b; b == c", "a == a2; b == b2; c == c2", "a*b == 0",
             "a/b == 1", "a*b == a2*b2")
fc <- fit_case(PD_LAB, "pd", NA)
fc_mlr <- fit_case(PD_LAB, "pd", NA, estimator = "MLR")
write_case("wald_poldem_labelled", list(
  case = "wald_poldem_labelled",
  description = paste(
    "lavTestWald(fit, constraints = ...) on poldem with labelled free loadings (a, b, c at",
    "1960; a2, b2, c2 at 1965; no equality constraints in the model). Each constraint",
    "h(theta) = lhs - rhs; W = h' (J V J')^-1 h with J the Jacobian of h at the estimates",
    "(complex-step) and V = vcov(fit) (standard expected-information ML vcov; for mlr the",
    "robust sandwich vcov). df = number of constraints. 'a == a2; b == b2; c == c2' is the",
    "Wald counterpart of the poldem vs poldem_eq LRT."),
  fit = fc$info,
  tests = lapply(pd_cons, function(k) run_wald(fc$fit, k)),
  mlr = list(fit = fc_mlr$info, tests = lapply(pd_cons, function(k) run_wald(fc_mlr$fit, k)))))

corp_cons <- c("c1 == l1", "c2 == 0; l2 == 0", "c1*s == 0", "c1*s == l1*s",
               "c2 + c1*s == l2 + l1*s")
fc <- fit_case(M$corp_rep$syntax, "corp", M$corp_rep$path)
fc_mlr <- fit_case(M$corp_rep$syntax, "corp", M$corp_rep$path, estimator = "MLR")
write_case("wald_corp_rep", list(
  case = "wald_corp_rep",
  description = paste(
    "lavTestWald on corp_rep (labelled paths c1, l1 -> CUSA; c2, l2, s -> CUSL), ML and MLR.",
    "Nonlinear constraints use the delta method through the Jacobian. The model also has",
    "':=' rows; lavTestWald ignores them."),
  fit = fc$info,
  tests = lapply(corp_cons, function(k) run_wald(fc$fit, k)),
  mlr = list(fit = fc_mlr$info, tests = lapply(corp_cons, function(k) run_wald(fc_mlr$fit, k)))))

# ---------------------------------------------------------------- 4. nested models
lrt_table <- function(tab) {
  d <- as.data.frame(tab)
  out <- data.frame(model = rownames(d), stringsAsFactors = FALSE)
  for (k in names(d)) out[[k]] <- d[[k]]
  rownames(out) <- NULL
  out
}
run_lrt <- function(fits, names, ...) {
  r <- with_warnings(do.call(lavTestLRT, c(unname(fits), list(model.names = names, ...))))
  list(table = lrt_table(r$value), heading = attr(r$value, "heading"), warnings = r$warnings)
}
# per-pair pieces of the scaled differences (fits ordered least restricted first)
pair_details <- function(m1, m0, n1, n0) {
  o <- list(less_restricted = n1, more_restricted = n0,
            T1 = m1@test[[1]]$stat, r1 = m1@test[[1]]$df,
            T0 = m0@test[[1]]$stat, r0 = m0@test[[1]]$df)
  if (length(m1@test) > 1L) {
    o$c1 <- m1@test[[2]]$scaling.factor; o$c0 <- m0@test[[2]]$scaling.factor
    o$scaled_test <- m1@test[[2]]$test
    sb01 <- lavaan:::lav_test_diff_SatorraBentler2001(m1, m0)
    o$sb2001 <- list(T_delta = sb01$T.delta, scaling_factor = sb01$scaling.factor,
                     df_delta = sb01$df.delta,
                     pvalue = pchisq(sb01$T.delta, sb01$df.delta, lower.tail = FALSE))
    m10 <- suppressWarnings(lavaan:::lav_test_diff_m10(m1, m0, test = TRUE))
    w10 <- with_warnings(lavaan:::lav_test_diff_SatorraBentler2010(m1, m0, H1 = FALSE))
    sb10 <- w10$value
    o$sb2010 <- list(T_delta = sb10$T.delta, scaling_factor = sb10$scaling.factor,
                     df_delta = sb10$df.delta, T_delta_unscaled = sb10$T.delta.unscaled,
                     c10 = m10@test[[2]]$scaling.factor,
                     m10_chisq = m10@test[[1]]$stat, m10_df = m10@test[[1]]$df,
                     m10_fx = m10@optim$fx, warnings = w10$warnings,
                     pvalue = pchisq(sb10$T.delta, sb10$df.delta, lower.tail = FALSE))
  }
  o
}
delta_fit <- function(infos) {
  keys <- c("cfi", "tli", "rmsea", "srmr", "cfi.scaled", "rmsea.scaled", "cfi.robust",
            "rmsea.robust", "aic", "bic")
  lapply(infos, function(i) i$fit[intersect(keys, names(i$fit))])
}
lrt_case <- function(name, specs, description) {
  # specs: named list of list(syntax, data, path, ...)
  for (est in c("ML", "MLR", "MLM")) {
    fcs <- lapply(specs, function(s) do.call(fit_case, c(list(syntax = s$syntax, data_key = s$data,
                                                                model_path = s$path),
                                                           s$extra, list(estimator = est))))
    fits <- lapply(fcs, `[[`, "fit")
    infos <- lapply(fcs, `[[`, "info")
    dfs <- sapply(fits, function(f) f@test[[1]]$df)
    ord <- order(dfs)  # lavTestLRT's order: least restricted (smallest df) first
    o <- list(case = name, estimator = est, description = description,
              order_least_restricted_first = I(names(specs)[ord]),
              fits = infos, fit_summary = delta_fit(infos))
    if (est == "ML") {
      o$lrt_default <- run_lrt(fits, names(specs))
      o$anova_equals_lrt <- isTRUE(all.equal(as.data.frame(do.call(anova, unname(fits))),
                                             as.data.frame(do.call(lavTestLRT, unname(fits))),
                                             check.attributes = FALSE))
    } else {
      o$lrt_default <- run_lrt(fits, names(specs))
      o$lrt_sb2001 <- run_lrt(fits, names(specs), method = "satorra.bentler.2001")
      o$lrt_sb2010 <- run_lrt(fits, names(specs), method = "satorra.bentler.2010")
      o$lrt_satorra2000 <- run_lrt(fits, names(specs), method = "satorra.2000")
    }
    pairs <- list()
    for (i in seq_len(length(ord) - 1L)) {
      a <- ord[i]; b <- ord[i + 1L]
      pairs[[i]] <- pair_details(fits[[a]], fits[[b]], names(specs)[a], names(specs)[b])
    }
    o$pairs <- pairs
    write_case(paste0("lrt_", name, "_", tolower(est)), o)
  }
}
lrt_case("hs", list(
  hs_cfa_x1x9 = list(syntax = HS_X1X9, data = "hs", path = NA),
  hs_cfa = list(syntax = M$hs_cfa$syntax, data = "hs", path = M$hs_cfa$path),
  hs_one_factor = list(syntax = HS_ONE, data = "hs", path = NA)),
  paste("Nested HS models: hs_cfa with x1 ~~ x9 freed (df 23) > hs_cfa (df 24) > one factor",
        "(df 27). lrt_default: lavTestLRT(fits..., model.names) (rows ordered by df; the first",
        "row has NA differences). For ML the table has an RMSEA column (the RMSEA of the",
        "difference). For MLR/MLM 'Chisq' is the standard (unscaled) statistic, 'Chisq diff' the",
        "scaled difference; pairs[] gives T0, T1, r0, r1, c0, c1 and the scaled difference",
        "pieces (sb2001: cd = (r0 c0 - r1 c1)/(r0 - r1); sb2010: cd = (r0 c0 - r1 c10)/(r0 - r1)",
        "with c10 the scaling factor of the less restricted model evaluated at the more",
        "restricted estimates)."))
lrt_case("poldem", list(
  poldem = list(syntax = M$poldem$syntax, data = "pd", path = M$poldem$path),
  poldem_eq = list(syntax = M$poldem_eq$syntax, data = "pd", path = M$poldem_eq$path)),
  paste("poldem (df 35) vs poldem_eq (3 equality constraints, df 38); see lrt_hs_* for the",
        "layout."))
lrt_case("hs_school", list(
  configural = list(syntax = M$hs_cfa$syntax, data = "hs", path = M$hs_cfa$path,
                    extra = list(group = "school")),
  metric = list(syntax = M$hs_cfa$syntax, data = "hs", path = M$hs_cfa$path,
                extra = list(group = "school", group.equal = "loadings"))),
  paste("HS by school, configural vs metric (group.equal = 'loadings'); see lrt_hs_* for the",
        "layout."))

# ---------------------------------------------------------------- 6. std.lv
for (nm in c("hs_cfa", "poldem", "corp_rep")) {
  mm <- M[[nm]]
  fc <- fit_case(mm$syntax, mm$data, mm$path, std.lv = TRUE)
  fc0 <- fit_case(mm$syntax, mm$data, mm$path)
  write_case(paste0("stdlv_", nm), list(
    case = paste0("stdlv_", nm),
    description = paste(
      "sem(model, data, std.lv = TRUE): latent (residual) variances of the factors fixed",
      "to 1, all loadings free (including the first). fit: the std.lv fit; marker_fit: the",
      "default (marker) fit of the same model: chisq/df/fit indices and std.all agree, est/se",
      "differ. In corp_rep, CUSA =~ cusa is single-item with cusa ~~ 0*cusa, so its loading",
      "is the SD of cusa's common part; for endogenous factors std.lv fixes the RESIDUAL",
      "variance (psi) to 1, not the total variance."),
    fit = fc$info, marker_fit = fc0$info))
}
cat("done\n")
