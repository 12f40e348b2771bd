# lavaan references for ordinal model fits (tests/test_ordinal_fit.py): WLSMV, ULSMV,
# WLS and DWLS estimates, robust SEs, standardized solutions and fit measures of
# lavaan 0.6-14, delta parameterization, on the data sets that
# make_ordinal_reference.R writes (tests/reference/ordinal/data/*.csv).
#
# Run from the repository root:  Rscript tests/reference/make_ordinal_fit_reference.R
# Writes tests/reference/ordinal_fit/<case>.json. No random numbers, no timings:
# rerunning writes the same files.
#
# Cases:
#   cfa3_wlsmv   corp_rep 7-point items, three factors (COMP, LIKE, CUSL), WLSMV
#   cfa3_ulsmv   the same model, ULSMV
#   cfa3_wls     the same model, full WLS (estimator = "WLS")
#   binary_cfa   the dichotomized corp_rep items, three factors, WLSMV
#   chain_wlsmv  corp_rep: COMP -> LIKE -> CUSL with COMP -> CUSL and the indirect effect
#                (:= a*b), WLSMV
#   cfa5_wlsmv   corp_rep 7-point items, five factors (COMP, LIKE, CUSL, ATTR, CSOR; 17
#                items), WLSMV. Its data (tests/reference/ordinal/data/cfa5.csv: the 17
#                items of datasets/corp_rep, -99 missing dropped listwise, N = 336) are
#                written here; comp_2's lowest category has a single answer, which lavaan
#                fits (converged, 52 iterations)
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
IN_DIR <- "tests/reference/ordinal/data"
OUT_DIR <- "tests/reference/ordinal_fit"
dir.create(OUT_DIR, showWarnings = FALSE, recursive = TRUE)

source("tests/reference/ordinal_fit_measures.R")  # MEASURES

run_case <- function(name, model, data_file, estimator, about) {
  data <- read.csv(file.path(IN_DIR, data_file))
  items <- lavNames(lavaanify(model), "ov")
  fit <- sem(model, data = data, ordered = items, estimator = estimator)
  pe <- parameterEstimates(fit, standardized = TRUE, remove.nonfree = FALSE)
  test <- lavInspect(fit, "test")
  measures <- suppressWarnings(fitMeasures(fit, MEASURES))
  out <- list(
    about = about, lavaan = as.character(packageVersion("lavaan")), model = model,
    data = data_file, estimator = estimator, ordered = items, nobs = lavInspect(fit, "nobs"),
    converged = lavInspect(fit, "converged"),
    estimates = lapply(seq_len(nrow(pe)), function(i) list(
      lhs = pe$lhs[i], op = pe$op[i], rhs = pe$rhs[i], label = pe$label[i],
      est = pe$est[i], se = pe$se[i], z = pe$z[i], pvalue = pe$pvalue[i],
      ci_lower = pe$ci.lower[i], ci_upper = pe$ci.upper[i], std_lv = pe$std.lv[i],
      std_all = pe$std.all[i])),
    fit = as.list(measures),
    shift = if (length(test) > 1 && !is.null(test[[2]]$shift.parameter))
      test[[2]]$shift.parameter else NA,
    scaling = if (length(test) > 1) test[[2]]$scaling.factor else NA,
    test = names(test),
    vcov = unname(as.matrix(lavInspect(fit, "vcov"))),
    r2 = as.list(lavInspect(fit, "r2")))
  writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null"),
             file.path(OUT_DIR, paste0(name, ".json")))
}

CFA3 <- "COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSL =~ cusl_1 + cusl_2 + cusl_3"
CHAIN <- "COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSL =~ cusl_1 + cusl_2 + cusl_3
LIKE ~ a*COMP
CUSL ~ b*LIKE + COMP
ab := a*b"

run_case("cfa3_wlsmv", CFA3, "corp_rep.csv", "WLSMV", "corp_rep 7-point items, 3-factor CFA")
run_case("cfa3_ulsmv", CFA3, "corp_rep.csv", "ULSMV", "corp_rep 7-point items, 3-factor CFA")
run_case("cfa3_wls", CFA3, "corp_rep.csv", "WLS", "corp_rep 7-point items, 3-factor CFA")
run_case("binary_cfa", CFA3, "binary.csv", "WLSMV", "corp_rep items dichotomized, 3-factor CFA")
CFA5 <- "COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSL =~ cusl_1 + cusl_2 + cusl_3
ATTR =~ attr_1 + attr_2 + attr_3
CSOR =~ csor_1 + csor_2 + csor_3 + csor_4 + csor_5"
cfa5_items <- lavNames(lavaanify(CFA5), "ov")
cr5 <- read.csv("datasets/corp_rep/corp_rep.csv", na.strings = c("NA", "-99"))
cr5 <- cr5[complete.cases(cr5[, cfa5_items]), cfa5_items]
write.csv(cr5, file.path(IN_DIR, "cfa5.csv"), row.names = FALSE, na = "")

run_case("chain_wlsmv", CHAIN, "corp_rep.csv", "WLSMV",
         "corp_rep items: COMP -> LIKE -> CUSL, COMP -> CUSL, indirect effect a*b")
run_case("cfa5_wlsmv", CFA5, "cfa5.csv", "WLSMV",
         "corp_rep 7-point items, 5-factor CFA (COMP, LIKE, CUSL, ATTR, CSOR)")
