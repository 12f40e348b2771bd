# Mean structures, constraints, per-group c() modifiers, observed-variable
# interactions and multi-group models with observed outcomes (issue #11,
# point 3.2-3.7), for the new estimation core.
#
# Run from the repository root:  Rscript tests/reference/make_core_structure_reference.R [case ...]
# Writes tests/reference/core/<case>.json (layout: tests/reference/README.md):
#   ms_*    single-group mean structures (meanstructure = TRUE, explicit ~1)
#   con_*   == (linear, nonlinear), < / > constraints on labelled parameters
#   mg_*    multi-group: c(a, b)* labels, c(1, NA)* / c(0.5, 0.5)* fixed values
#           per group, shared plain labels, observed outcomes (ML and MLR)
#   int_*   observed-variable interactions (x1:x2)
source("tests/reference/make_core_common.R")

hs_cfa <- read_model("models/hs_cfa.lav")
poldem <- read_model("models/poldem.lav")
lines <- function(...) paste(c(...), collapse = "\n")

pd_labelled <- lines(
  "# Political Democracy with labelled loadings / regressions (Bollen 1989).",
  "ind60 =~ x1 + x2 + x3",
  "dem60 =~ y1 + a*y2 + c*y3 + y4",
  "dem65 =~ y5 + b*y6 + d*y7 + y8",
  "dem60 ~ p1*ind60",
  "dem65 ~ p2*ind60 + p3*dem60",
  "y1 ~~ y5", "y2 ~~ y4 + y6", "y3 ~~ y7", "y4 ~~ y8", "y6 ~~ y8")

cases <- list(
  # ---- 3.2 single-group mean structures ---------------------------------
  ms_hs_cfa = list(
    description = "hs_cfa with meanstructure = TRUE: free observed intercepts, latent means fixed at 0",
    syntax = hs_cfa, model_file = "models/hs_cfa.lav", data = HS_CSV, rownames = TRUE,
    opts = list(meanstructure = TRUE)),
  ms_poldem = list(
    description = "poldem (structural) with meanstructure = TRUE",
    syntax = poldem, model_file = "models/poldem.lav", data = PD_CSV, rownames = TRUE,
    opts = list(meanstructure = TRUE)),
  ms_hs_explicit_intercept = list(
    description = paste("hs_cfa plus `x1 ~ 1` and `visual ~ 0*1` in the syntax and no meanstructure",
                        "option: one ~1 in the syntax switches the mean structure on for all variables"),
    syntax = lines(hs_cfa, "x1 ~ 1", "visual ~ 0*1"), model_file = NULL, data = HS_CSV, rownames = TRUE),
  ms_hs_latent_means = list(
    description = paste("identification of the means by fixed marker intercepts (x1, x4, x7 ~ 0*1)",
                        "and free latent means; x5 and x6 intercepts equal through a shared label"),
    syntax = lines(hs_cfa, "x1 ~ 0*1", "x4 ~ 0*1", "x7 ~ 0*1",
                   "visual ~ 1", "textual ~ 1", "speed ~ 1", "x5 ~ i56*1", "x6 ~ i56*1"),
    model_file = NULL, data = HS_CSV, rownames = TRUE, vcov = TRUE),
  ms_pd_path = list(
    description = paste("observed path model pd_path with meanstructure = TRUE: y1, y5, y6 ~1 are",
                        "regression intercepts (free); x1..x3 means are fixed.x (exo = 1, fixed at the sample means)"),
    syntax = read_model("tests/reference/models/pd_path.lav"), model_file = "tests/reference/models/pd_path.lav",
    data = PD_CSV, rownames = TRUE, opts = list(meanstructure = TRUE)),
  ms_hs_obs_outcomes = list(
    description = "latent predictors of observed outcomes x7, x8 (x8 ~ x7) with meanstructure = TRUE",
    syntax = read_model("tests/reference/models/hs_obs_outcomes.lav"),
    model_file = "tests/reference/models/hs_obs_outcomes.lav",
    data = HS_CSV, rownames = TRUE, opts = list(meanstructure = TRUE)),

  # ---- 3.3 constraints ----------------------------------------------------
  con_pd_linear = list(
    description = "explicit linear equalities a == b, c == d between labelled loadings of poldem",
    syntax = lines(pd_labelled, "a == b", "c == d", "a_minus_c := a - c"),
    model_file = NULL, data = PD_CSV, rownames = TRUE, vcov = TRUE, post = constraint_rows),
  con_pd_nonlinear_product = list(
    description = "nonlinear equality p2*p3 == 0.5 between two poldem regressions, indirect effect defined",
    syntax = lines(pd_labelled, "p2*p3 == 0.5", "ind := p1*p3"),
    model_file = NULL, data = PD_CSV, rownames = TRUE, post = constraint_rows),
  con_hs_nonlinear_square = list(
    description = "nonlinear equality a == b^2 between two textual loadings of hs_cfa",
    syntax = lines("visual  =~ x1 + x2 + x3", "textual =~ x4 + a*x5 + b*x6",
                   "speed   =~ x7 + x8 + x9", "a == b^2"),
    model_file = NULL, data = HS_CSV, rownames = TRUE, vcov = TRUE, post = constraint_rows),
  con_pd_inequality = list(
    description = paste("inequalities p1 > 0 (inactive: unconstrained estimate 1.48) and",
                        "p2 < 0.3 (active: unconstrained estimate 0.57, binds at 0.3)"),
    syntax = lines(pd_labelled, "p1 > 0", "p2 < 0.3"),
    model_file = NULL, data = PD_CSV, rownames = TRUE, vcov = TRUE, post = constraint_rows),
  con_hs_inequality = list(
    description = paste("inequalities on hs_cfa loadings: l2 < 0.5 (active: unconstrained 0.554)",
                        "and l3 > 0 (inactive: unconstrained 0.729)"),
    syntax = lines("visual  =~ x1 + l2*x2 + l3*x3", "textual =~ x4 + x5 + x6",
                   "speed   =~ x7 + x8 + x9", "l2 < 0.5", "l3 > 0"),
    model_file = NULL, data = HS_CSV, rownames = TRUE, post = constraint_rows),

  # ---- 3.4 c() modifiers per group -----------------------------------------
  mg_hs_clabels = list(
    description = paste("HS by school with per-group modifiers: c(l2, l2) (equal across groups),",
                        "c(l3a, l3b) (distinct labels, free), c(1, NA) (fixed 1 in Pasteur, free in",
                        "Grant-White), c(0.5, 0.5) fixed residual variance, c(i1, i1) equal intercepts,",
                        "a defined difference of group-specific labels"),
    syntax = lines("visual  =~ x1 + c(l2, l2)*x2 + c(l3a, l3b)*x3",
                   "textual =~ x4 + c(1, NA)*x5 + x6",
                   "speed   =~ x7 + x8 + x9",
                   "x9 ~~ c(0.5, 0.5)*x9",
                   "x1 ~ c(i1, i1)*1",
                   "l3_diff := l3a - l3b"),
    model_file = NULL, data = HS_CSV, rownames = TRUE, opts = list(group = "school"),
    vcov = TRUE, post = constraint_rows),
  mg_hs_label_scalar_partial = list(
    description = paste("partial scalar invariance written with labels instead of group.equal =",
                        "\"intercepts\": equal intercepts c(iK, iK) for all but x3 and x7, latent",
                        "means c(0, NA)*1 (0 in Pasteur, free in Grant-White), loadings by",
                        "group.equal = \"loadings\"; the same model as groups/hs_school.json scalar_partial"),
    syntax = lines(hs_cfa,
                   "x1 ~ c(i1, i1)*1", "x2 ~ c(i2, i2)*1", "x4 ~ c(i4, i4)*1", "x5 ~ c(i5, i5)*1",
                   "x6 ~ c(i6, i6)*1", "x8 ~ c(i8, i8)*1", "x9 ~ c(i9, i9)*1",
                   "visual ~ c(0, NA)*1", "textual ~ c(0, NA)*1", "speed ~ c(0, NA)*1"),
    model_file = NULL, data = HS_CSV, rownames = TRUE,
    opts = list(group = "school", group.equal = "loadings")),
  mg_cr_shared_labels = list(
    description = paste("corp_rep by servicetype with the model's plain labels (c1, l1, c2, l2, s):",
                        "a plain label in a multi-group model names the parameter in every group,",
                        "so those paths are equal across groups"),
    syntax = read_model("models/corp_rep.lav"), model_file = "models/corp_rep.lav",
    data = CR_CSV, na = "-99", opts = list(group = "servicetype"), post = constraint_rows),

  # ---- 3.5 observed-variable interactions --------------------------------
  int_pd_path = list(
    description = "observed path model with a product term: lavaan adds the column x1:x2 = x1 * x2 (raw, uncentred)",
    syntax = lines("y1 ~ x1 + x2 + x1:x2", "y5 ~ y1 + x3"),
    model_file = NULL, data = PD_CSV, rownames = TRUE),
  int_hs_latent_sex_ageyr = list(
    description = "latent outcome visual regressed on sex, ageyr and sex:ageyr (fixed.x), meanstructure = TRUE",
    syntax = lines(hs_cfa, "visual ~ sex + ageyr + sex:ageyr"),
    model_file = NULL, data = HS_CSV, rownames = TRUE, opts = list(meanstructure = TRUE)),
  int_hs_ageyr_grade = list(
    description = paste("visual ~ ageyr + grade + ageyr:grade; grade has one NA, so listwise",
                        "deletion leaves N = 300"),
    syntax = lines("visual  =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6",
                   "visual ~ ageyr + grade + ageyr:grade"),
    model_file = NULL, data = HS_CSV, rownames = TRUE),

  # ---- 3.6 multi-group with observed outcomes ----------------------------
  mg_hs_obs_outcome_configural = list(
    description = "HS by school, observed outcome x7 of two factors, configural, ML",
    syntax = lines("visual =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6", "x7 ~ visual + textual"),
    model_file = NULL, data = HS_CSV, rownames = TRUE, opts = list(group = "school")),
  mg_hs_obs_outcome_equal = list(
    description = "as mg_hs_obs_outcome_configural with group.equal = c(\"loadings\", \"regressions\"), ML",
    syntax = lines("visual =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6", "x7 ~ visual + textual"),
    model_file = NULL, data = HS_CSV, rownames = TRUE,
    opts = list(group = "school", group.equal = c("loadings", "regressions"))),
  mg_hs_obs_outcome_configural_mlr = list(
    description = "mg_hs_obs_outcome_configural with estimator = \"MLR\"",
    syntax = lines("visual =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6", "x7 ~ visual + textual"),
    model_file = NULL, data = HS_CSV, rownames = TRUE,
    opts = list(group = "school", estimator = "MLR")),
  mg_hs_obs_outcome_equal_mlr = list(
    description = "mg_hs_obs_outcome_equal with estimator = \"MLR\"",
    syntax = lines("visual =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6", "x7 ~ visual + textual"),
    model_file = NULL, data = HS_CSV, rownames = TRUE,
    opts = list(group = "school", group.equal = c("loadings", "regressions"), estimator = "MLR")),
  mg_hs_path_configural = list(
    description = paste("observed path model by school: x1, x4, x5 exogenous (fixed.x, per group),",
                        "x8 and x9 pure outcomes (auto.cov.y adds x8 ~~ x9), configural, ML"),
    syntax = lines("x7 ~ x1 + x4", "x8 ~ x7", "x9 ~ x7 + x5"),
    model_file = NULL, data = HS_CSV, rownames = TRUE, opts = list(group = "school")),
  mg_hs_path_equal_intercepts = list(
    description = paste("mg_hs_path_configural with group.equal = c(\"regressions\", \"intercepts\"):",
                        "the regression intercepts of x7, x8, x9 are equal; the exogenous means stay per group"),
    syntax = lines("x7 ~ x1 + x4", "x8 ~ x7", "x9 ~ x7 + x5"),
    model_file = NULL, data = HS_CSV, rownames = TRUE,
    opts = list(group = "school", group.equal = c("regressions", "intercepts"))),
  mg_hs_path_equal_mlr = list(
    description = "mg_hs_path_configural with group.equal = \"regressions\", estimator = \"MLR\"",
    syntax = lines("x7 ~ x1 + x4", "x8 ~ x7", "x9 ~ x7 + x5"),
    model_file = NULL, data = HS_CSV, rownames = TRUE,
    opts = list(group = "school", group.equal = "regressions", estimator = "MLR")),

  # ---- observed outcomes that predict nothing, covarying with latent outcomes -----
  out_hs_latent_cov = list(
    description = paste("a latent and an observed pure outcome: auto.cov.y adds textual ~~ x9",
                        "(x9 is an outcome semopy places with the indicators; fixed.x sex)"),
    syntax = lines("visual =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6", "textual ~ visual",
                   "x9 ~ visual + sex"),
    model_file = NULL, data = HS_CSV, rownames = TRUE),
  out_hs_latent_cov_mlr = list(
    description = "out_hs_latent_cov with estimator = \"MLR\" and meanstructure = TRUE",
    syntax = lines("visual =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6", "textual ~ visual",
                   "x9 ~ visual + sex"),
    model_file = NULL, data = HS_CSV, rownames = TRUE,
    opts = list(estimator = "MLR", meanstructure = TRUE)),
  out_hs_three_outcomes = list(
    description = paste("two latent and one observed pure outcome: auto.cov.y adds",
                        "textual ~~ speed, textual ~~ x9, speed ~~ x9"),
    syntax = lines("visual =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6", "speed =~ x7 + x8",
                   "textual ~ visual", "speed ~ visual", "x9 ~ visual + ageyr"),
    model_file = NULL, data = HS_CSV, rownames = TRUE),
  out_hs_reversed_covariances = list(
    description = paste("covariances written against lavaan's variable order (x7 ~~ x2,",
                        "speed ~~ visual, x9 ~~ x1): lavaan stores them as x2 ~~ x7,",
                        "visual ~~ speed, x1 ~~ x9 (lav_partable_covariance_reorder)"),
    syntax = lines(hs_cfa, "x7 ~~ x2", "speed ~~ visual", "x9 ~~ x1"),
    model_file = NULL, data = HS_CSV, rownames = TRUE),
  out_hs_school_reversed = list(
    description = paste("two groups of HS (school) with y-side covariances written reversed",
                        "(x6 ~~ x4, textual ~~ visual) and equal loadings"),
    syntax = lines("visual =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6", "x6 ~~ x4",
                   "textual ~~ visual"),
    model_file = NULL, data = HS_CSV, rownames = TRUE,
    opts = list(group = "school", group.equal = "loadings"))
)

for (name in names(wanted_cases(cases))) run_case(name, cases[[name]])
