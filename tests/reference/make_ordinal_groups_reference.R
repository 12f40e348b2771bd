# lavaan references for ordinal fits beyond one group of ordinal items
# (tests/test_ordinal_groups.py): continuous items beside ordinal ones, the theta
# parameterization, several groups with lavaan's group.equal classes for categorical
# items, and the scaled-shifted chi-square differences of the invariance ladder
# (lavTestLRT); with each fit its standardizedSolution() (delta-method SEs). lavaan
# 0.6-14, estimator WLSMV.
#
# Run from the repository root:  Rscript tests/reference/make_ordinal_groups_reference.R
# Writes tests/reference/ordinal_fit/<case>.json and the data it makes,
# tests/reference/ordinal/data/hs_mixed.csv. No random numbers, no timings: rerunning
# writes the same files.
#
# Cases:
#   hs_mixed      Holzinger-Swineford 3-factor CFA: x1-x3 and x7-x9 continuous, x4-x6
#                 cut into 4 ordered categories (fixed cut points below), WLSMV, delta
#   hs_mixed_theta  the same, parameterization = "theta"
#   cfa3_theta    corp_rep 7-point items, COMP/LIKE/CUSL, parameterization = "theta"
#   groups_ulsmv, groups_wls  equal thresholds and loadings by ULSMV and full WLS
#   groups_*      corp_rep items by servicetype (tests/reference/ordinal/data/groups.csv),
#                 COMP/LIKE/CUSL, delta: configural; thresholds; thresholds + loadings;
#                 thresholds + loadings + lv.variances; theta: configural and thresholds +
#                 loadings + residuals
#   groups_chain  COMP -> LIKE -> CUSL with per-group labels, := indirect effects and their
#                 difference, equal thresholds and loadings
#   syntax_thresholds, groups_syntax_thresholds  thresholds written in the model: fixed
#                 and labelled (equal within a group; across groups by c(u, u)*t1)
#   groups_mixed_tl, groups_loadings_intercepts, groups_fixed_threshold  lavaan's rules
#                 for ordered items in group.equal (a review's findings)
#   groups_path_equal  COMP -> LIKE equal across groups vs the metric model (lavTestLRT)
#   ladder        lavTestLRT of configural < thresholds < thresholds + loadings (delta)
#   we_*          the same model identified as Wu & Estabrook (2016), semTools' measEq.syntax,
#                 and the lavTestLRT of its ladder (we_ladder)
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
DATA_DIR <- "tests/reference/ordinal/data"
OUT_DIR <- "tests/reference/ordinal_fit"
dir.create(OUT_DIR, showWarnings = FALSE, recursive = TRUE)

source("tests/reference/ordinal_fit_measures.R")  # MEASURES

describe <- function(fit, name, model, data_file, ordered, about, group = NULL,
                     group_equal = character(0), parameterization = "delta",
                     estimator = "WLSMV") {
  pe <- parameterEstimates(fit, standardized = TRUE, remove.nonfree = FALSE)
  if (is.null(pe$group)) pe$group <- 1L
  test <- lavInspect(fit, "test")
  measures <- suppressWarnings(fitMeasures(fit, MEASURES))
  std <- standardizedSolution(fit)
  if (is.null(std$group)) std$group <- 1L
  r2 <- lavInspect(fit, "r2")
  if (!is.list(r2)) r2 <- list(r2)
  list(
    about = about, lavaan = as.character(packageVersion("lavaan")), model = model,
    data = data_file, estimator = estimator, ordered = ordered, group = group,
    group_equal = group_equal, parameterization = parameterization,
    groups = lavInspect(fit, "group.label"), nobs = lavInspect(fit, "nobs"),
    converged = lavInspect(fit, "converged"),
    estimates = lapply(seq_len(nrow(pe)), function(i) list(
      group = pe$group[i], lhs = pe$lhs[i], op = pe$op[i], rhs = pe$rhs[i],
      label = pe$label[i], est = pe$est[i], se = pe$se[i], z = pe$z[i],
      pvalue = pe$pvalue[i], std_lv = pe$std.lv[i], std_all = pe$std.all[i])),
    fit = as.list(measures),
    shift = if (length(test) > 1 && !is.null(test[[2]]$shift.parameter))
      test[[2]]$shift.parameter else NA,
    scaling = if (length(test) > 1) test[[2]]$scaling.factor else NA,
    r2 = lapply(r2, as.list),
    std_solution = lapply(seq_len(nrow(std)), function(i) list(
      group = std$group[i], lhs = std$lhs[i], op = std$op[i], rhs = std$rhs[i],
      est_std = std$est.std[i], se = std$se[i])))
}

run_case <- function(name, model, data_file, ordered, about, ..., estimator = "WLSMV") {
  data <- read.csv(file.path(DATA_DIR, data_file))
  fit <- cfa(model, data = data, ordered = ordered, estimator = estimator, ...)
  args <- list(...)
  out <- describe(fit, name, model, data_file, ordered, about, estimator = estimator,
                  group = args$group,
                  group_equal = if (is.null(args$group.equal)) character(0) else args$group.equal,
                  parameterization = if (is.null(args$parameterization)) "delta" else
                    args$parameterization)
  writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", null = "null"),
             file.path(OUT_DIR, paste0(name, ".json")))
  fit
}

# continuous items beside ordinal ones
hs <- read.csv("datasets/holzinger_swineford/holzinger_swineford.csv")
cuts <- list(x4 = c(-Inf, 2, 3, 4, Inf), x5 = c(-Inf, 3, 4.5, 5.5, Inf),
             x6 = c(-Inf, 1.5, 2, 3, Inf))
mixed <- data.frame(x1 = hs$x1, x2 = hs$x2, x3 = hs$x3,
                    x4o = cut(hs$x4, cuts$x4, labels = FALSE),
                    x5o = cut(hs$x5, cuts$x5, labels = FALSE),
                    x6o = cut(hs$x6, cuts$x6, labels = FALSE),
                    x7 = hs$x7, x8 = hs$x8, x9 = hs$x9)
write.csv(mixed, file.path(DATA_DIR, "hs_mixed.csv"), row.names = FALSE)
HS <- "visual =~ x1 + x2 + x3
textual =~ x4o + x5o + x6o
speed =~ x7 + x8 + x9"
ORD <- c("x4o", "x5o", "x6o")
run_case("hs_mixed", HS, "hs_mixed.csv", ORD,
         "HS 3-factor CFA, x4-x6 cut into 4 categories, the others continuous")
run_case("hs_mixed_theta", HS, "hs_mixed.csv", ORD,
         "HS 3-factor CFA, x4-x6 cut into 4 categories; theta parameterization",
         parameterization = "theta")

CFA3 <- "COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSL =~ cusl_1 + cusl_2 + cusl_3"
ITEMS3 <- c("comp_1", "comp_2", "comp_3", "like_1", "like_2", "like_3", "cusl_1", "cusl_2",
            "cusl_3")
run_case("cfa3_theta", CFA3, "corp_rep.csv", ITEMS3,
         "corp_rep 7-point items, 3-factor CFA, theta parameterization",
         parameterization = "theta")

# several groups
GROUPS <- "COMP =~ comp_1 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSL =~ cusl_1 + cusl_2 + cusl_3"
GITEMS <- c("comp_1", "comp_3", "like_1", "like_2", "like_3", "cusl_1", "cusl_2", "cusl_3")
configural <- run_case("groups_configural", GROUPS, "groups.csv", GITEMS,
                       "corp_rep by servicetype, configural", group = "servicetype")
thresholds <- run_case("groups_thresholds", GROUPS, "groups.csv", GITEMS,
                       "corp_rep by servicetype, equal thresholds", group = "servicetype",
                       group.equal = "thresholds")
metric <- run_case("groups_thresholds_loadings", GROUPS, "groups.csv", GITEMS,
                   "corp_rep by servicetype, equal thresholds and loadings",
                   group = "servicetype", group.equal = c("thresholds", "loadings"))
run_case("groups_tl_lv", GROUPS, "groups.csv", GITEMS,
         "corp_rep by servicetype, equal thresholds, loadings and latent variances",
         group = "servicetype", group.equal = c("thresholds", "loadings", "lv.variances"))
run_case("groups_ulsmv", GROUPS, "groups.csv", GITEMS,
         "corp_rep by servicetype, equal thresholds and loadings, ULSMV",
         group = "servicetype", group.equal = c("thresholds", "loadings"), estimator = "ULSMV")
run_case("groups_wls", GROUPS, "groups.csv", GITEMS,
         "corp_rep by servicetype, equal thresholds and loadings, full WLS",
         group = "servicetype", group.equal = c("thresholds", "loadings"), estimator = "WLS")
run_case("groups_theta_configural", GROUPS, "groups.csv", GITEMS,
         "corp_rep by servicetype, configural, theta", group = "servicetype",
         parameterization = "theta")
run_case("groups_theta_tlr", GROUPS, "groups.csv", GITEMS,
         "corp_rep by servicetype, equal thresholds, loadings and residuals, theta",
         group = "servicetype", parameterization = "theta",
         group.equal = c("thresholds", "loadings", "residuals"))

CHAIN <- paste(GROUPS, "LIKE ~ c(a1, a2)*COMP
CUSL ~ c(b1, b2)*LIKE + COMP
ind1 := a1*b1
ind2 := a2*b2
ind_diff := ind1 - ind2", sep = "\n")
run_case("groups_chain", CHAIN, "groups.csv", GITEMS,
         "corp_rep by servicetype: COMP -> LIKE -> CUSL per group, indirect effects and their difference, equal thresholds and loadings",
         group = "servicetype", group.equal = c("thresholds", "loadings"))

# thresholds written in the syntax: fixed, labelled (equal within a group, across groups)
run_case("syntax_thresholds", paste(CFA3, "comp_1 | -2*t1
like_1 | a*t1
like_2 | a*t1", sep = "\n"), "corp_rep.csv", ITEMS3,
         "corp_rep CFA with a fixed threshold and two thresholds equal by label")
run_case("groups_syntax_thresholds", paste(GROUPS, "comp_1 | c(u1, u1)*t1 + c(u2, u2)*t2",
                                           sep = "\n"), "groups.csv", GITEMS,
         "corp_rep by servicetype, two thresholds of comp_1 equal across groups by label",
         group = "servicetype")

# lavaan's rules that a review found we missed: with ordered items "intercepts" makes the
# thresholds equal too and "thresholds" the continuous items' intercepts; an equal
# threshold fixed in one group is that value in every group
mixed_groups <- mixed
mixed_groups$g <- ifelse(seq_len(nrow(mixed)) %% 2 == 1, "a", "b")
write.csv(mixed_groups, file.path(DATA_DIR, "hs_mixed_groups.csv"), row.names = FALSE)
run_case("groups_mixed_tl", HS, "hs_mixed_groups.csv", ORD,
         "HS mixed items in two halves (alternate rows), equal thresholds and loadings",
         group = "g", group.equal = c("thresholds", "loadings"))
run_case("groups_loadings_intercepts", GROUPS, "groups.csv", GITEMS,
         "corp_rep by servicetype, equal loadings and intercepts (lavaan: thresholds too)",
         group = "servicetype", group.equal = c("loadings", "intercepts"))
run_case("groups_fixed_threshold", paste(GROUPS, "comp_1 | c(a, b)*t1 + c(0.1, NA)*t2",
                                         sep = "\n"), "groups.csv", GITEMS,
         "corp_rep by servicetype, a threshold fixed in one group and equal across groups",
         group = "servicetype", group.equal = c("thresholds", "loadings"))

lrt <- function(a, b) {
  t <- lavTestLRT(a, b)
  list(chisq_diff = t[["Chisq diff"]][2], df_diff = t[["Df diff"]][2],
       pvalue = t[["Pr(>Chisq)"]][2], method = attr(t, "heading"))
}
ladder <- list(about = "lavTestLRT (default method for WLSMV) of the delta ladder",
               lavaan = as.character(packageVersion("lavaan")),
               thresholds = lrt(configural, thresholds),
               loadings = lrt(thresholds, metric))
writeLines(toJSON(ladder, digits = NA, auto_unbox = TRUE, na = "null"),
           file.path(OUT_DIR, "groups_ladder.json"))

# Wu & Estabrook (2016) identification of the ladder, as semTools' measEq.syntax
# (ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016"): delta configural -> thresholds ->
# + loadings -> + intercepts; theta + residuals; lavTestLRT of consecutive steps.
suppressPackageStartupMessages(library(semTools))
groups_data <- read.csv(file.path(DATA_DIR, "groups.csv"))
we_case <- function(name, equal, parameterization) {
  syntax <- measEq.syntax(GROUPS, data = groups_data, ordered = GITEMS,
                          parameterization = parameterization, ID.fac = "std.lv",
                          ID.cat = "Wu.Estabrook.2016", group = "servicetype",
                          group.equal = if (length(equal)) equal else "configural")
  fit <- cfa(as.character(syntax), data = groups_data, ordered = GITEMS,
             group = "servicetype", parameterization = parameterization, estimator = "WLSMV")
  out <- describe(fit, name, GROUPS, "groups.csv", GITEMS,
                  paste("Wu & Estabrook identification:", paste(equal, collapse = ", ")),
                  group = "servicetype", group_equal = equal,
                  parameterization = parameterization)
  out$identification <- "wu.estabrook"
  writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", null = "null"),
             file.path(OUT_DIR, paste0(name, ".json")))
  fit
}
we <- list(
  configural = we_case("we_configural", character(0), "delta"),
  thresholds = we_case("we_thresholds", "thresholds", "delta"),
  metric = we_case("we_metric", c("thresholds", "loadings"), "delta"),
  scalar = we_case("we_scalar", c("thresholds", "loadings", "intercepts"), "delta"))
we_theta_scalar <- we_case("we_theta_scalar", c("thresholds", "loadings", "intercepts"),
                           "theta")
we_theta_strict <- we_case("we_theta_strict",
                           c("thresholds", "loadings", "intercepts", "residuals"), "theta")
we_ladder <- list(about = "lavTestLRT of the Wu & Estabrook ladder (delta; theta strict)",
                  lavaan = as.character(packageVersion("lavaan")),
                  semTools = as.character(packageVersion("semTools")),
                  thresholds = lrt(we$configural, we$thresholds),
                  metric = lrt(we$thresholds, we$metric),
                  scalar = lrt(we$metric, we$scalar),
                  strict = lrt(we_theta_scalar, we_theta_strict))
writeLines(toJSON(we_ladder, digits = NA, auto_unbox = TRUE, na = "null"),
           file.path(OUT_DIR, "we_ladder.json"))

# one structural path constrained equal across the groups (the others free), against
# the metric model: the scaled-and-shifted difference of compare_paths
PATHS <- paste(GROUPS, "LIKE ~ COMP
CUSL ~ LIKE + COMP", sep = "\n")
fit_paths <- function(...) cfa(PATHS, data = groups_data, ordered = GITEMS, group = "servicetype",
                               estimator = "WLSMV", ...)
metric_paths <- fit_paths(group.equal = c("thresholds", "loadings"))
one_path <- fit_paths(group.equal = c("thresholds", "loadings", "regressions"),
                      group.partial = c("CUSL~LIKE", "CUSL~COMP"))
writeLines(toJSON(list(about = "LIKE ~ COMP equal across groups vs the metric model",
                       model = PATHS, path = "COMP -> LIKE",
                       test = lrt(metric_paths, one_path)),
                  digits = NA, auto_unbox = TRUE, na = "null"),
           file.path(OUT_DIR, "groups_path_equal.json"))
