# Modification indices and score tests of full-information ML fits (missing = "ml" and
# "ml.x") and of single-group mean-structure fits (`~ 1` rows, meanstructure = TRUE),
# each with and without `==` constraints and with MLR, from lavaan 0.6-14
# (tests/test_modindices_fiml_means.py); also the row set and spelling lavaan gives
# the added parameters on models with observed outcomes, covariates and groups.
#
# Run from the repository root:
#   Rscript tests/reference/make_modindices_fiml_means_reference.R   (about 30 s)
# Writes tests/reference/inference/modindices_fiml_means.json: one object with
#   cases: keyed by case, each with
#     description, syntax, data, rownames, options    what was fitted: sem(syntax, data, ...)
#     group_labels, converged, chisq, max_gradient    the default (nlminb) fit
#     partable                                        parTable(fit) (est: the estimates)
#     modindices                                      modindices(fit, sort. = FALSE,
#                                                     na.remove = FALSE), all columns
#     modindices_default_order                        modindices(fit) as printed by default
#                                                     (lhs, op, rhs, group only)
#     score                                           lavTestScore(fit, ...) of each entry
#                                                     of score_calls: test, uni (and epc)
#     tight                                           the same model refitted with
#                                                     optim.method = "BFGS", reltol = 1e-16
#                                                     (linear or no constraints: lavaan's
#                                                     nlminb stops at gradients of ~1e-6,
#                                                     which moves MIs by up to ~1e-4):
#                                                     options, max_gradient, partable,
#                                                     modindices, score. Not for
#                                                     ms_hs_latent_means (BFGS from
#                                                     lavaan's starting values diverges;
#                                                     start = fit frees fixed.x moments)
# modindices() uses information = "expected" whatever the fit's information (FIML fits
# use the observed one for their SEs): for missing = "ml" that is the expected
# information of the incomplete-data likelihood, pattern by pattern, at the
# model-implied moments (h1.information = "structured").
# No timings or random numbers: rerunning writes the same file byte for byte.
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })

OUT_FILE <- "tests/reference/inference/modindices_fiml_means.json"
HS_CSV <- "datasets/holzinger_swineford/holzinger_swineford.csv"
PD_CSV <- "datasets/political_democracy/political_democracy.csv"
HS_MISSING_CSV <- "tests/reference/data/hs_missing.csv"
HS_MISSING_AGEYR_CSV <- "tests/reference/data/hs_missing_ageyr.csv"
PD_MISSING_CSV <- "tests/reference/data/poldem_missing.csv"
ROWNAMES <- c(HS_CSV, PD_CSV)  # files with an unnamed first column of row names
read_data <- function(path)
  read.csv(path, row.names = if (path %in% ROWNAMES) 1L else NULL, stringsAsFactors = FALSE)
lines <- function(...) paste(c(...), collapse = "\n")
source("tests/reference/score_test_common.R")  # table_of, score_of

# the largest |gradient| of fmin projected on the null space of the active constraints
max_gradient <- function(fit) {
  g <- lavInspect(fit, "gradient")
  H <- fit@Model@con.jac
  if (nrow(H) > 0L) g <- g - t(H) %*% MASS::ginv(H %*% t(H)) %*% H %*% g
  max(abs(g))
}

HS3 <- lines("visual  =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6", "speed   =~ x7 + x8 + x9")
HS_AB <- lines("visual  =~ x1 + a*x2 + b*x3", "textual =~ x4 + x5 + x6",
               "speed   =~ x7 + x8 + x9")
HS_MIMIC <- lines(HS3, "visual ~ ageyr + sex")
HS_MIMIC_AB <- lines(HS_AB, "visual ~ ageyr + sex")
PD_PATH <- lines("y1 ~ x1 + x2", "y5 ~ x1 + x3 + y1", "y6 ~ x2")
# latent means free, marker intercepts fixed at 0
HS_LATENT_MEANS <- lines(HS3, "x1 ~ 0*1", "x4 ~ 0*1", "x7 ~ 0*1",
                         "visual ~ 1", "textual ~ 1", "speed ~ 1")
# an unusual order of indicators (x9 cross-loading on textual, x8 before x7): lavaan
# spells added covariances in the order of its variable list (x1 ... x6, x9, x8, x7),
# here "x9 ~~ x7", "x8 ~~ x7"; the written x7 ~~ x2 it stores as x2 ~~ x7
HS_ORDER <- lines("visual  =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6 + x9",
                  "speed   =~ x8 + x7 + x9", "x7 ~~ x2")
ADD <- list(add = c("x7 ~~ x9", "visual =~ x9"), epc = TRUE)
UNI <- list(univariate = TRUE, epc = TRUE)
TIGHT <- list(optim.method = "BFGS", control = list(reltol = 1e-16, maxit = 20000L))

cases <- list(
  fiml_hs_cfa = list(
    description = "hs_cfa, missing = \"ml\" on hs_missing.csv",
    syntax = HS3, data = HS_MISSING_CSV, options = list(missing = "ml"),
    tight = TRUE, score_calls = list(add = ADD)),
  fiml_hs_cfa_mlr = list(
    description = "hs_cfa, missing = \"ml\", estimator = \"MLR\" (modindices: the ML ones)",
    syntax = HS3, data = HS_MISSING_CSV, options = list(missing = "ml", estimator = "MLR"),
    tight = TRUE, score_calls = list(add = ADD)),
  fiml_hs_equal = list(
    description = "hs_cfa with a == b (loadings of x2, x3), missing = \"ml\"",
    syntax = lines(HS_AB, "a == b"), data = HS_MISSING_CSV, options = list(missing = "ml"),
    tight = TRUE, score_calls = list(all = UNI)),
  fiml_hs_sum = list(
    description = "hs_cfa with a + b == 1, missing = \"ml\"",
    syntax = lines(HS_AB, "a + b == 1"), data = HS_MISSING_CSV,
    options = list(missing = "ml"), tight = TRUE,
    score_calls = list(all = UNI, add = list(add = "x7 ~~ x8"))),
  fiml_hs_sum_mlr = list(
    description = "hs_cfa with a + b == 1, missing = \"ml\", estimator = \"MLR\"",
    syntax = lines(HS_AB, "a + b == 1"), data = HS_MISSING_CSV,
    options = list(missing = "ml", estimator = "MLR"), tight = TRUE,
    score_calls = list(all = UNI)),
  fiml_hs_mimic = list(
    description = "hs_mimic (fixed.x ageyr, sex complete), missing = \"ml\"",
    syntax = HS_MIMIC, data = HS_MISSING_CSV, options = list(missing = "ml"),
    tight = TRUE, score_calls = list(add = list(add = c("x7 ~~ x9", "textual ~ ageyr")))),
  fiml_pd_path = list(
    description = "pd_path (observed outcomes, fixed.x x1-x3), missing = \"ml\"",
    syntax = PD_PATH, data = PD_MISSING_CSV, options = list(missing = "ml"),
    tight = TRUE, score_calls = list(add = list(add = "y6 ~ y1"))),
  fiml_hs_school = list(
    description = "hs_cfa by school, missing = \"ml\", group.equal = \"loadings\"",
    syntax = HS3, data = HS_MISSING_CSV,
    options = list(missing = "ml", group = "school", group.equal = "loadings"),
    tight = TRUE, score_calls = list(all = list(univariate = TRUE))),
  mlx_hs_mimic = list(
    description = "hs_mimic, missing = \"ml.x\" on hs_missing_ageyr.csv (ageyr incomplete)",
    syntax = HS_MIMIC, data = HS_MISSING_AGEYR_CSV, options = list(missing = "ml.x"),
    tight = TRUE, score_calls = list(add = list(add = c("x7 ~~ x9", "textual ~ ageyr")))),
  mlx_hs_mimic_sum = list(
    description = "hs_mimic with a + b == 1, missing = \"ml.x\"",
    syntax = lines(HS_MIMIC_AB, "a + b == 1"), data = HS_MISSING_AGEYR_CSV,
    options = list(missing = "ml.x"), tight = TRUE, score_calls = list(all = UNI)),
  mlx_hs_mimic_equal_mlr = list(
    description = "hs_mimic with a == b, missing = \"ml.x\", estimator = \"MLR\"",
    syntax = lines(HS_MIMIC_AB, "a == b"), data = HS_MISSING_AGEYR_CSV,
    options = list(missing = "ml.x", estimator = "MLR"), tight = TRUE,
    score_calls = list(all = UNI)),
  ms_hs_cfa = list(
    description = "hs_cfa with meanstructure = TRUE (complete data)",
    syntax = HS3, data = HS_CSV, options = list(meanstructure = TRUE),
    tight = TRUE, score_calls = list(add = list(add = c("x7 ~~ x9", "visual =~ x9")))),
  ms_hs_latent_means = list(
    description = "hs_cfa with marker intercepts fixed at 0 and free latent means (~ 1 rows)",
    syntax = HS_LATENT_MEANS, data = HS_CSV, options = list(),
    tight = FALSE, score_calls = list(add = list(add = "x7 ~~ x9"))),
  ms_hs_intercepts_equal = list(
    description = "hs_cfa with ~ 1 rows, x8 ~ i*1, x9 ~ i*1 (a shared label) and a == b",
    syntax = lines(HS_AB, "x8 ~ i*1", "x9 ~ i*1", "a == b"), data = HS_CSV,
    options = list(), tight = TRUE, score_calls = list(all = UNI)),
  ms_hs_intercepts_sum = list(
    description = "hs_cfa with ~ 1 rows and i7 + i8 == 9.5",
    syntax = lines(HS3, "x7 ~ i7*1", "x8 ~ i8*1", "i7 + i8 == 9.5"), data = HS_CSV,
    options = list(), tight = TRUE, score_calls = list(all = UNI)),
  ms_hs_intercepts_sum_mlr = list(
    description = "as ms_hs_intercepts_sum with estimator = \"MLR\"",
    syntax = lines(HS3, "x7 ~ i7*1", "x8 ~ i8*1", "i7 + i8 == 9.5"), data = HS_CSV,
    options = list(estimator = "MLR"), tight = TRUE, score_calls = list(all = UNI)),
  ms_hs_cfa_mlr = list(
    description = "hs_cfa with meanstructure = TRUE, estimator = \"MLR\"",
    syntax = HS3, data = HS_CSV, options = list(meanstructure = TRUE, estimator = "MLR"),
    tight = TRUE, score_calls = list(add = list(add = "x7 ~~ x9"))),
  ms_hs_mimic = list(
    description = "hs_mimic (fixed.x) with meanstructure = TRUE",
    syntax = HS_MIMIC, data = HS_CSV, options = list(meanstructure = TRUE),
    tight = TRUE, score_calls = list(add = list(add = "textual ~ ageyr"))),
  ms_pd_path = list(
    description = "pd_path with ~ 1 rows of the outcomes",
    syntax = lines(PD_PATH, "y1 ~ 1", "y5 ~ 1", "y6 ~ 1"), data = PD_CSV,
    options = list(), tight = TRUE, score_calls = list(add = list(add = "y6 ~ y1"))),
  order_hs = list(
    description = paste("indicators out of order (x9 before x8 before x7) and a written",
                        "x7 ~~ x2: the spelling of added covariances"),
    syntax = HS_ORDER, data = HS_CSV, options = list(), tight = FALSE,
    score_calls = list(add = list(add = c("x9 ~~ x7", "x1 ~~ x9")))),
  order_pd_path = list(
    description = "pd_path (complete data): observed outcomes and covariates",
    syntax = PD_PATH, data = PD_CSV, options = list(), tight = FALSE, score_calls = list()),
  order_mimic_school = list(
    description = "hs_mimic by school (configural), complete data",
    syntax = HS_MIMIC, data = HS_CSV, options = list(group = "school"), tight = FALSE,
    score_calls = list()),
  order_sem = list(
    description = paste("an observed mediator: visual ~ ageyr, x9 ~ sex,",
                        "textual ~ visual + x9"),
    syntax = lines("visual =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6",
                   "textual ~ visual + x9", "x9 ~ sex", "visual ~ ageyr"),
    data = HS_CSV, options = list(), tight = FALSE, score_calls = list()),
  order_sem_outcome = list(
    description = paste("an observed outcome of latent variables and a covariate:",
                        "x9 ~ visual + textual + sex, visual ~ ageyr"),
    syntax = lines("visual =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6",
                   "x9 ~ visual + textual + sex", "visual ~ ageyr"),
    data = HS_CSV, options = list(), tight = FALSE, score_calls = list())
)

fit_of <- function(case, data, extra = list())
  do.call("sem", c(list(model = case$syntax, data = data), case$options, extra))

fit_parts <- function(case, fit) {
  pt <- parTable(fit)
  keep <- intersect(c("id", "lhs", "op", "rhs", "user", "group", "free", "ustart", "exo",
                      "label", "plabel", "est"), names(pt))
  list(converged = lavInspect(fit, "converged"), chisq = unname(fitMeasures(fit, "chisq")),
       max_gradient = max_gradient(fit), partable = as.data.frame(pt[keep]),
       modindices = table_of(modindices(fit, sort. = FALSE, na.remove = FALSE)),
       score = lapply(case$score_calls, function(args) score_of(fit, args)))
}

run_case <- function(case) {
  message(case$description)
  data <- read_data(case$data)
  fit <- fit_of(case, data)
  default <- table_of(modindices(fit))
  keep <- intersect(c("lhs", "op", "rhs", "group"), names(default))
  out <- c(list(description = case$description, syntax = case$syntax, data = case$data,
                rownames = case$data %in% ROWNAMES,
                options = if (length(case$options)) case$options else NULL,
                group_labels = I(lavInspect(fit, "group.label"))),
           fit_parts(case, fit), list(modindices_default_order = default[keep]))
  if (isTRUE(case$tight))
    out$tight <- c(list(options = TIGHT), fit_parts(case, fit_of(case, data, TIGHT)))
  out
}

result <- list(lavaan_version = as.character(packageVersion("lavaan")),
               r_version = R.version.string, cases = lapply(cases, run_case))
writeLines(toJSON(result, digits = NA, auto_unbox = TRUE, null = "null", na = "null",
                  pretty = FALSE), OUT_FILE)
cat("wrote", OUT_FILE, "\n")
