# lavaan references for robust ML with a mean structure and the refusals lifted with it
# (tests/test_mean_robust.py):
#   1. estimator = "MLR" / "MLM" with meanstructure = TRUE (or ~1 rows) on complete data,
#      single group: estimates, SEs, all fitMeasures() (scaled and robust indices);
#   2. lavTestLRT() of MLM (and MLR) fits with a mean structure: satorra.bentler.2001
#      (the default), satorra.bentler.2010, satorra.2000, and the per-pair pieces;
#   3. multi-group missing = "ml.x" with an incomplete covariate (ML and MLR);
#   4. multi-group BCa: the stratified jackknife (lavaan leave-one-out fits) and the BCa
#      limits on the fixed draws of core/boot_hs_school_chain.json.
#
# Run from the repository root:  Rscript tests/reference/make_mean_robust_reference.R
# Writes tests/reference/mean_robust.json: {"versions", "cases": {name: case}, "lrt":
# {name: comparison}, "bca": {...}}; every case has the layout of tests/reference/core/*.json
# (make_core_common.R's run_case: syntax, data, options, estimates, fit, ...). No random
# numbers and no timings: rerunning writes the same file.
source("tests/reference/make_core_common.R")
OUT <- "tests/reference/mean_robust.json"
HS_MISSING_AGEYR_CSV <- "tests/reference/data/hs_missing_ageyr.csv"
COLLECTED <- list()
write_case <- function(out, name) {  # run_case writes here instead of tests/reference/core/
  for (k in names(out)) if (is.null(out[[k]])) out[k] <- list(NA)
  out[c("partable", "implied", "sampstat")] <- NULL  # not compared: keeps the file small
  COLLECTED[[name]] <<- out
}
lines <- function(...) paste(c(...), collapse = "\n")
hs_cfa <- read_model("models/hs_cfa.lav")
poldem <- read_model("models/poldem.lav")
pd_path <- read_model("tests/reference/models/pd_path.lav")
hs_mimic <- read_model("tests/reference/models/hs_mimic.lav")
# poldem with loadings and intercepts equal over time (y1..y4 at 1960 = y5..y8 at 1965)
# and a free intercept of dem65: a restricted (non-saturated) mean structure
PD_STRUCTURAL <- c("dem60 ~ ind60", "dem65 ~ ind60 + dem60", "y1 ~~ y5", "y2 ~~ y4 + y6",
                   "y3 ~~ y7", "y4 ~~ y8", "y6 ~~ y8")
poldem_eq_loadings <- lines("ind60 =~ x1 + x2 + x3", "dem60 =~ y1 + a*y2 + b*y3 + c*y4",
                            "dem65 =~ y5 + a*y6 + b*y7 + c*y8", PD_STRUCTURAL)
poldem_eq_means <- lines(poldem_eq_loadings, "y1 ~ i1*1", "y5 ~ i1*1", "y2 ~ i2*1",
                         "y6 ~ i2*1", "y3 ~ i3*1", "y7 ~ i3*1", "y4 ~ i4*1", "y8 ~ i4*1",
                         "dem65 ~ 1")
hs_latent_means <- lines(hs_cfa, "x1 ~ 0*1", "x4 ~ 0*1", "x7 ~ 0*1", "visual ~ 1",
                         "textual ~ 1", "speed ~ 1", "x5 ~ i56*1", "x6 ~ i56*1")
hs_latent_means_free <- lines(hs_cfa, "x1 ~ 0*1", "x4 ~ 0*1", "x7 ~ 0*1", "visual ~ 1",
                              "textual ~ 1", "speed ~ 1", "x5 ~ 1", "x6 ~ 1")

single <- list(
  hs_cfa = list(syntax = hs_cfa, model_file = "models/hs_cfa.lav", data = HS_CSV,
                opts = list(meanstructure = TRUE),
                description = "hs_cfa with meanstructure = TRUE (free intercepts, saturated means)"),
  hs_latent_means = list(syntax = hs_latent_means, model_file = NULL, data = HS_CSV, opts = list(),
                         description = paste("fixed marker intercepts, free latent means, x5 and",
                                             "x6 intercepts equal: a restricted mean structure")),
  hs_latent_means_free = list(syntax = hs_latent_means_free, model_file = NULL, data = HS_CSV,
                              opts = list(), description = paste("hs_latent_means without the",
                                                                 "x5/x6 intercept equality")),
  poldem_eq_means = list(syntax = poldem_eq_means, model_file = NULL, data = PD_CSV, opts = list(),
                         description = paste("poldem with loadings and intercepts equal over",
                                             "time and a free dem65 intercept (regressions and",
                                             "intercepts; restricted means)")),
  poldem_eq_loadings = list(syntax = poldem_eq_loadings, model_file = NULL, data = PD_CSV,
                            opts = list(meanstructure = TRUE),
                            description = "poldem_eq_means without the intercept equalities"),
  pd_path = list(syntax = pd_path, model_file = "tests/reference/models/pd_path.lav", data = PD_CSV,
                 opts = list(meanstructure = TRUE),
                 description = "observed path model with fixed.x covariates and meanstructure = TRUE"),
  hs_mimic = list(syntax = hs_mimic, model_file = "tests/reference/models/hs_mimic.lav",
                  data = HS_CSV, opts = list(meanstructure = TRUE),
                  description = "hs_mimic (fixed.x covariates of a latent) with meanstructure = TRUE"))
for (name in names(single)) for (est in c("MLR", "MLM")) {
  s <- single[[name]]
  s$rownames <- TRUE
  s$opts <- c(s$opts, list(estimator = est))
  s$std_solution <- FALSE
  run_case(paste0(tolower(est), "_", name), s)
}

# ---- 3. multi-group missing = "ml.x" with an incomplete covariate (ageyr)
for (est in c("ML", "MLR")) {
  run_case(paste0("mlx_", tolower(est), "_hs_mimic_school"), list(
    syntax = hs_mimic, model_file = "tests/reference/models/hs_mimic.lav",
    data = HS_MISSING_AGEYR_CSV, rownames = FALSE, std_solution = FALSE,
    opts = list(group = "school", missing = "ml.x", estimator = est,
                optim.method = "BFGS", control = list(reltol = 1e-14)),
    description = paste("hs_mimic by school, missing = 'ml.x' on hs_missing_ageyr.csv (ageyr",
                        "incomplete): the cases with a missing covariate are kept. BFGS to",
                        "reltol 1e-14: lavaan's default nlminb stops with chisq 5e-8 above the",
                        "optimum, estimates 2e-4 SE off in flat directions (and reports false",
                        "convergence at a tighter rel.tol)")))
}

# ---- 2. nested models with a mean structure: lavTestLRT
lrt_table <- function(tab) {
  d <- as.data.frame(tab)
  out <- data.frame(model = rownames(d), stringsAsFactors = FALSE)
  for (k in names(d)) out[[k]] <- d[[k]]
  rownames(out) <- NULL
  out
}
read_pd <- read_data(PD_CSV, TRUE)
read_hs <- read_data(HS_CSV, TRUE)
lrt_pair <- function(syntax1, syntax0, data, est, opts1 = list(), opts0 = list(), names) {
  m1 <- do.call("sem", c(list(model = syntax1, data = data, estimator = est), opts1))
  m0 <- do.call("sem", c(list(model = syntax0, data = data, estimator = est), opts0))
  run <- function(method) {
    w <- character(0)
    v <- withCallingHandlers(lavTestLRT(m1, m0, model.names = names, method = method),
                             warning = function(cond) { w <<- c(w, conditionMessage(cond));
                               invokeRestart("muffleWarning") })
    list(table = lrt_table(v), warnings = I(w))
  }
  m10 <- suppressWarnings(lavaan:::lav_test_diff_m10(m1, m0, test = TRUE))
  list(estimator = est, names = I(names),
       T1 = m1@test[[1]]$stat, r1 = m1@test[[1]]$df, c1 = m1@test[[2]]$scaling.factor,
       T0 = m0@test[[1]]$stat, r0 = m0@test[[1]]$df, c0 = m0@test[[2]]$scaling.factor,
       c10 = m10@test[[2]]$scaling.factor,
       sb2001 = run("satorra.bentler.2001"), sb2010 = run("satorra.bentler.2010"),
       satorra2000 = run("satorra.2000"), default = run("default"))
}
LRT <- list()
for (est in c("MLM", "MLR")) {
  LRT[[paste0("poldem_means_", tolower(est))]] <- lrt_pair(
    poldem_eq_loadings, poldem_eq_means, read_pd, est, list(meanstructure = TRUE), list(),
    c("poldem_eq_loadings", "poldem_eq_means"))
  LRT[[paste0("hs_latent_means_", tolower(est))]] <- lrt_pair(
    hs_cfa, hs_latent_means, read_hs, est, list(meanstructure = TRUE), list(),
    c("hs_cfa", "hs_latent_means"))
  LRT[[paste0("hs_latent_means_free_", tolower(est))]] <- lrt_pair(  # nested by names
    hs_latent_means_free, hs_latent_means, read_hs, est, list(), list(),
    c("hs_latent_means_free", "hs_latent_means"))
}
# multi-group MLM: HS by school, configural > metric > scalar
for (pair in list(c("", "loadings"), c("loadings", "intercepts"))) {
  e1 <- if (nzchar(pair[1])) pair[1] else ""  # "": lavaan's none
  e0 <- if (pair[2] == "intercepts") c("loadings", "intercepts") else "loadings"
  key <- paste0("hs_school_", if (pair[2] == "loadings") "metric" else "scalar", "_mlm")
  LRT[[key]] <- lrt_pair(hs_cfa, hs_cfa, read_hs, "MLM",
                         list(group = "school", group.equal = e1),
                         list(group = "school", group.equal = e0),
                         c(if (pair[2] == "loadings") "configural" else "metric",
                           if (pair[2] == "loadings") "metric" else "scalar"))
}
for (name in c("configural", "metric", "scalar")) {
  eq <- list(configural = "", metric = "loadings",
             scalar = c("loadings", "intercepts"))[[name]]
  run_case(paste0("mlm_hs_school_", name), list(
    syntax = hs_cfa, model_file = "models/hs_cfa.lav", data = HS_CSV, rownames = TRUE,
    std_solution = FALSE, opts = list(group = "school", group.equal = eq, estimator = "MLM"),
    description = "HS by school, estimator = 'MLM' (multi-group Satorra-Bentler)"))
}

# ---- 4. multi-group BCa: the stratified jackknife and the interval on fixed draws
# The chain model of core/boot_hs_school_chain.json (HS by school, a1..c2, ind1, ind2,
# diff): every case left out of its group in turn (lavaan fits, no random numbers), the
# acceleration a = sum(d^3) / (6 (sum d^2)^1.5) with d_i = (n_g - 1)(mean_g - t_(-i))
# (n_g, mean_g: the leave-one-out values of case i's group), and the BCa limits on
# lavaan's own 1000 draws stored in that file: z0 = qnorm((#{t < t0} + #{t == t0}/2) / R)
# (clipped to [1/(2R), 1 - 1/(2R)]), the limits quantile(type = 7) at
# pnorm(z0 + (z0 + z_q) / (1 - a (z0 + z_q))).
boot_case <- fromJSON("tests/reference/core/boot_hs_school_chain.json", simplifyVector = FALSE)
chain <- boot_case$syntax
stats <- c("a1", "a2", "b1", "b2", "c1", "c2", "ind1", "ind2", "diff")
chain_stats <- function(f) {
  pe <- parameterEstimates(f, se = FALSE, ci = FALSE)
  pe$name <- ifelse(pe$op == ":=", pe$lhs, pe$label)
  setNames(pe$est[match(stats, pe$name)], stats)
}
# BFGS to reltol 1e-14: the leave-one-out differences are O(1/N) of an estimate, below
# what lavaan's default nlminb stop resolves (its fits differ from these by ~1e-5)
tight <- function(d) sem(chain, data = d, group = "school", optim.method = "BFGS",
                         control = list(reltol = 1e-14))
t0 <- chain_stats(tight(read_hs))
jack <- t(sapply(seq_len(nrow(read_hs)), function(i) chain_stats(tight(read_hs[-i, ]))))
group_of <- read_hs$school
position <- ave(seq_along(group_of), group_of, FUN = seq_along)  # 1-based within the group
accel <- sapply(stats, function(k) {
  d <- numeric(nrow(jack))
  for (g in unique(group_of)) {
    m <- group_of == g
    d[m] <- (sum(m) - 1) * (mean(jack[m, k]) - jack[m, k])
  }
  sum(d^3) / (6 * sum(d^2)^1.5)
})
draws <- sapply(stats, function(k) sapply(boot_case$bootstrap$draws[[k]],
                                          function(v) if (is.null(v)) NA_real_ else v))
bca <- lapply(stats, function(k) {
  t <- draws[, k]; t <- t[is.finite(t)]; R <- length(t)
  share <- (sum(t < t0[[k]]) + 0.5 * sum(t == t0[[k]])) / R
  z0 <- qnorm(min(max(share, 1 / (2 * R)), 1 - 1 / (2 * R)))
  zq <- qnorm(c(0.025, 0.975))
  p <- pnorm(z0 + (z0 + zq) / (1 - accel[[k]] * (z0 + zq)))
  list(statistic = k, z0 = z0, a = accel[[k]], probabilities = I(p),
       lower = unname(quantile(t, p[1], type = 7)), upper = unname(quantile(t, p[2], type = 7)))
})
BCA <- list(description = paste("stratified jackknife of the chain model of",
                                 "core/boot_hs_school_chain.json and BCa limits on its draws",
                                 "(formulas in make_mean_robust_reference.R)"),
            syntax = chain, statistics = I(stats), point = as.list(t0),
            jackknife = list(group = I(group_of), position = I(position),
                             values = unname(jack)),
            acceleration = as.list(accel), intervals = bca)

out <- list(versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
                            jsonlite = as.character(packageVersion("jsonlite"))),
            cases = COLLECTED, lrt = LRT, bca = BCA)
write_json(out, OUT, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE)
cat("wrote", OUT, "\n")
