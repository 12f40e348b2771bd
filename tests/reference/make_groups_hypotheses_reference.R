# Hypotheses of a multi-group fit, tested per group and between groups (lavaan), for
# tests/test_hypotheses_groups.py (loyaltysem.effects.test_hypotheses on a
# MultiGroupResult).
#
# Run from the repository root:  Rscript tests/reference/make_groups_hypotheses_reference.R
# Writes tests/reference/groups/hypotheses.json: {versions, options, cases: {name: {model,
# data, na, group, group_equal, estimator, missing, group_labels, defined: [{lhs, id,
# group, other, est, se}], monte_carlo (one case)}}}.
# The model of each case is written here with a label per path and group (lavaan's
# c(p1_1, p1_2)*: nothing is made equal across groups by the labels), and every hypothesis
# of the loyaltysem spec (tests/reference/models/corp_rep_groups.yaml,
# hs_chain_groups.lav) becomes one := per group, <id>_g<g> (the path, or the product of
# the paths of the chain), and one per pair of groups g < h, <id>_d<g>_<h> := <id>_g<g> -
# <id>_g<h>: parameterEstimates() gives their delta-method SEs (from the expected
# information for ML, the sandwich for MLR, the Satorra-Bentler robust vcov for MLM, the
# observed information with missing = "ml"). ml_hs_school also has
# semTools::monteCarloCI(nRep = 1e5, set.seed(20261123)) of every := and the SD of the
# draws. Every fit: optim.method = "BFGS", reltol 1e-14 (lavaan's nlminb stops about 1e-6
# of an SE from the optimum). No timings: rerunning writes the same file.
suppressPackageStartupMessages({ library(lavaan); library(jsonlite); library(semTools) })

HS_CSV <- "datasets/holzinger_swineford/holzinger_swineford.csv"
CR_CSV <- "datasets/corp_rep/corp_rep.csv"
SEED <- 20261123
TIGHT <- list(optim.method = "BFGS", control = list(reltol = 1e-14))

read_data <- function(path, na) {
  d <- read.csv(path, na.strings = c("NA", na), stringsAsFactors = FALSE)
  d[, names(d) != "X", drop = FALSE]
}
CR_MEASUREMENT <- c("COMP =~ comp_1 + comp_2 + comp_3", "LIKE =~ like_1 + like_2 + like_3",
                    "CUSA =~ cusa", "CUSL =~ cusl_1 + cusl_2 + cusl_3", "cusa ~~ 0*cusa")
CR_PATHS <- list(c("COMP", "CUSA"), c("LIKE", "CUSA"), c("COMP", "CUSL"), c("LIKE", "CUSL"),
                 c("CUSA", "CUSL"))
CR_HYPOTHESES <- list(H1 = c("COMP", "CUSA"), H2 = c("LIKE", "CUSA"), H3 = c("CUSA", "CUSL"),
                      H4 = c("COMP", "CUSL"), H5 = c("LIKE", "CUSL"),
                      H6 = c("LIKE", "CUSA", "CUSL"), H7 = c("COMP", "CUSA", "CUSL"))
HS_MEASUREMENT <- c("visual =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6",
                    "speed =~ x7 + x8 + x9")
HS_PATHS <- list(c("visual", "textual"), c("textual", "speed"), c("visual", "speed"))
HS_HYPOTHESES <- list(H1 = c("visual", "textual"), H2 = c("textual", "speed"),
                      H3 = c("visual", "speed"), H4 = c("visual", "textual", "speed"))

# the syntax with labels p<k>_<g> and the := of every hypothesis per group and pair
build <- function(measurement, paths, hypotheses, n_groups) {
  label <- function(k, g) paste0("p", k, "_", g)
  targets <- unique(vapply(paths, `[`, "", 2))
  regressions <- vapply(targets, function(target) {
    ks <- which(vapply(paths, function(p) p[2] == target, TRUE))
    terms <- vapply(ks, function(k) paste0("c(", paste(label(k, seq_len(n_groups)),
                                                          collapse = ", "), ")*",
                                           paths[[k]][1]), "")
    paste(target, "~", paste(terms, collapse = " + "))
  }, "")
  path_index <- function(from, to)
    which(vapply(paths, function(p) p[1] == from && p[2] == to, TRUE))
  defined <- character(0)
  meta <- list()
  for (id in names(hypotheses)) {
    chain <- hypotheses[[id]]
    for (g in seq_len(n_groups)) {
      ks <- mapply(path_index, chain[-length(chain)], chain[-1])
      name <- paste0(id, "_g", g)
      defined <- c(defined, paste(name, ":=", paste(label(ks, g), collapse = "*")))
      meta[[name]] <- list(id = id, group = g, other = NA)
    }
    for (g in seq_len(n_groups)) for (h in seq_len(n_groups)) if (g < h) {
      name <- paste0(id, "_d", g, "_", h)
      defined <- c(defined, paste0(name, " := ", id, "_g", g, " - ", id, "_g", h))
      meta[[name]] <- list(id = id, group = g, other = h)
    }
  }
  list(syntax = paste(c(measurement, regressions, defined), collapse = "\n"), meta = meta)
}

case <- function(model, data, na, group, n_groups, equal, estimator, missing, measurement,
                 paths, hypotheses, monte_carlo = FALSE)
  list(model = model, data = data, na = na, group = group, n_groups = n_groups,
       equal = equal, estimator = estimator, missing = missing, measurement = measurement,
       paths = paths, hypotheses = hypotheses, monte_carlo = monte_carlo)
CR_MODEL <- "tests/reference/models/corp_rep_groups.yaml"
HS_MODEL <- "tests/reference/models/hs_chain_groups.lav"
cases <- list(
  ml_corp_rep_servicetype = case(CR_MODEL, CR_CSV, "-99", "servicetype", 2, "", "ML",
                                 "listwise", CR_MEASUREMENT, CR_PATHS, CR_HYPOTHESES),
  mlr_fiml_corp_rep_servicetype = case(CR_MODEL, CR_CSV, "-99", "servicetype", 2, "loadings",
                                       "MLR", "ml", CR_MEASUREMENT, CR_PATHS, CR_HYPOTHESES),
  ml_corp_rep_provider = case(CR_MODEL, CR_CSV, "-99", "serviceprovider", 4, "loadings", "ML",
                              "listwise", CR_MEASUREMENT, CR_PATHS, CR_HYPOTHESES),
  ml_hs_school = case(HS_MODEL, HS_CSV, character(0), "school", 2, "", "ML", "listwise",
                      HS_MEASUREMENT, HS_PATHS, HS_HYPOTHESES, monte_carlo = TRUE),
  mlm_hs_school = case(HS_MODEL, HS_CSV, character(0), "school", 2, "loadings", "MLM",
                       "listwise", HS_MEASUREMENT, HS_PATHS, HS_HYPOTHESES)
)

out <- list(versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
                            semTools = as.character(packageVersion("semTools"))),
            options = "optim.method = 'BFGS', control = list(reltol = 1e-14)", cases = list())
for (name in names(cases)) {
  cs <- cases[[name]]
  d <- read_data(cs$data, cs$na)
  built <- build(cs$measurement, cs$paths, cs$hypotheses, cs$n_groups)
  fit <- suppressWarnings(do.call("sem", c(list(model = built$syntax, data = d,
                                                group = cs$group, group.equal = cs$equal,
                                                estimator = cs$estimator,
                                                missing = cs$missing), TIGHT)))
  stopifnot(lavInspect(fit, "converged"))
  pe <- parameterEstimates(fit)
  pe <- pe[pe$op == ":=", ]
  defined <- lapply(seq_len(nrow(pe)), function(i) {
    m <- built$meta[[pe$lhs[i]]]
    list(lhs = pe$lhs[i], id = m$id, group = m$group, other = m$other, est = pe$est[i],
         se = pe$se[i])
  })
  block <- list(model = cs$model, data = cs$data, na = I(cs$na), group = cs$group,
                group_equal = I(cs$equal[cs$equal != ""]), estimator = cs$estimator,
                missing = cs$missing, syntax = built$syntax,
                group_labels = I(lavInspect(fit, "group.label")), defined = defined)
  if (cs$monte_carlo) {
    set.seed(SEED)
    mc <- monteCarloCI(fit, nRep = 1e5, standardized = FALSE, fast = TRUE, level = 0.95,
                       append.samples = TRUE, plot = FALSE)
    tab <- mc$Results
    class(tab) <- "data.frame"
    samples <- mc$Samples
    block$monte_carlo <- list(n_rep = 1e5, seed = SEED, results = data.frame(
      lhs = rownames(tab), est = tab$est, ci_lower = tab$ci.lower, ci_upper = tab$ci.upper,
      sd = vapply(rownames(tab), function(v) sd(samples[[v]]), 0)))
  }
  out$cases[[name]] <- block
  cat(name, length(defined), "defined\n")
}
write_json(out, "tests/reference/groups/hypotheses.json", digits = NA, auto_unbox = TRUE,
           na = "null", pretty = TRUE)
