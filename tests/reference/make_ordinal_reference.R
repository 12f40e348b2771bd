# lavaan references for ordinal sample statistics (tests/test_ordinal_statistics.py):
# thresholds, polychoric / polyserial correlations, the statistics vector
# WLS.obs, its asymptotic covariance NACOV (lavInspect(fit, "gamma")) and the
# DWLS weights (diag of lavInspect(fit, "wls.v")), as lavaan 0.6-14's two-step
# method (lav_samplestats_step1/step2, muthen1984) computes them.
#
# Run from the repository root:  Rscript tests/reference/make_ordinal_reference.R
# Writes tests/reference/ordinal/<case>.json and the derived data sets
# tests/reference/ordinal/data/<case>.csv (made here from shipped data by fixed
# rules, so that Python reads exactly the rows lavaan saw). No random numbers
# except set.seed() for the synthetic empty-cell data, no timings: rerunning
# writes the same files.
#
# Cases:
#   corp_rep     comp_1..3, like_1..3, cusa, cusl_1..3 of datasets/corp_rep (7-point,
#                -99 missing, listwise: N = 336); larger tables with empty cells
#   binary       the same ten items dichotomized (value >= 5 -> 1, else 0)
#   empty_cells  synthetic (N = 120): 2x2 tables with one empty cell (zero.add[1] = 0.5
#                with zero.keep.margins), 3x4 tables with empty cells (zero.add[2] = 0)
#   mixed        Holzinger-Swineford: floor(x2), floor(x3), x1 (continuous), floor(x5),
#                floor(x6): polyserial correlations, a mean and a variance in WLS.obs
#   mixed2       the same with two continuous items (x1, x4): a Pearson pair as well
#   small_mixed  N = 8 by hand: a 3-category item, two continuous ones, a binary one (a
#                polyserial likelihood whose floored probabilities fake a score sign
#                change near -1)
#   corp_rep_pairwise  the corp_rep items with their -99s, missing = "pairwise" (N = 344)
#   mixed_pairwise     mixed2 with missing values at fixed rows (every 7th x1, every 11th
#                      x2o, every 13th x4), missing = "pairwise": polyserial and Pearson
#                      pairs on pairwise-complete rows
#   groups       corp_rep comp_1, comp_3, like_1..3, cusl_1..3 by servicetype (lavaan's group
#                order: first appearance, "2" then "1"; the categories are the pooled
#                data's); per group the same quantities. Also lavaan's error when cusa is
#                added (category 7 empty in group "2")
#   bfi, bfi_pairwise  psych's bfi, 25 items, listwise complete (N = 2,436) and
#                missing = "pairwise" (N = 2,800). psych is GPL, so
#                its data are not committed (benchmarks/export_bfi.R writes
#                benchmarks/data/bfi.csv; the test skips when it is absent)
suppressPackageStartupMessages({ library(lavaan); library(jsonlite); library(psych) })
OUT_DIR <- "tests/reference/ordinal"
dir.create(file.path(OUT_DIR, "data"), showWarnings = FALSE, recursive = TRUE)

corp_rep_items <- c("comp_1", "comp_2", "comp_3", "like_1", "like_2", "like_3", "cusa",
                    "cusl_1", "cusl_2", "cusl_3")

# A matrix as {"names", "values"} (row-major rows).
mat_obj <- function(m) list(names = I(rownames(m)), values = unname(unclass(m)))

# nacov_every: write every k-th row of NACOV (1-based rows 1, 1 + k, ...) instead of all
# of it (bfi's 425 x 425 matrix would be 3.5 MB).
run_case <- function(name, data, ordered, description, data_path, nacov_every = 1L,
                     missing = "listwise") {
  vars <- names(data)
  model <- paste("f =~", paste(vars, collapse = " + "))  # only for the sample statistics
  fit <- cfa(model, data = data, ordered = ordered, estimator = "WLSMV", do.fit = FALSE,
             missing = missing)
  ss <- lavInspect(fit, "sampstat")
  cor_mat <- lavCor(data, ordered = ordered, missing = missing)
  stopifnot(identical(lavNames(fit), vars))
  nacov <- lavInspect(fit, "gamma")
  wls_v <- lavInspect(fit, "wls.v")
  th <- ss$th
  out <- list(
    case = name, description = description, data = data_path,
    variables = I(vars), ordered = I(ordered), missing = missing, nobs = lavInspect(fit, "nobs"),
    thresholds = list(names = I(names(th)), values = I(unname(as.numeric(th)))),
    th_idx = I(fit@SampleStats@th.idx[[1]]),
    cov = mat_obj(ss$cov),
    cor = mat_obj(cor_mat),
    mean = if (is.null(ss$mean)) NULL else list(names = I(names(ss$mean)),
                                                values = I(unname(as.numeric(ss$mean)))),
    wls_obs = I(unname(as.numeric(fit@SampleStats@WLS.obs[[1]]))),
    nacov_rows = I(seq(1L, nrow(nacov), by = nacov_every)),
    nacov = unname(unclass(nacov))[seq(1L, nrow(nacov), by = nacov_every), , drop = FALSE],
    wls_v_diag = I(unname(diag(wls_v))),
    zero_cell_tables = I(fit@SampleStats@zero.cell.tables[[1]]),
    options = list(zero.add = I(lavInspect(fit, "options")$zero.add),
                   zero.keep.margins = lavInspect(fit, "options")$zero.keep.margins,
                   gamma.n.minus.one = lavInspect(fit, "options")$gamma.n.minus.one),
    versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")))
  )
  path <- file.path(OUT_DIR, paste0(name, ".json"))
  writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE), path)
  cat(sprintf("wrote %s: N = %d, %d statistics\n", path, out$nobs, length(out$wls_obs)))
}

write_data <- function(data, name) {
  path <- file.path(OUT_DIR, "data", paste0(name, ".csv"))
  write.csv(data, path, row.names = FALSE, na = "")
  path
}

# corp_rep: 7-point items, -99 missing, listwise
cr <- read.csv("datasets/corp_rep/corp_rep.csv", na.strings = c("NA", "-99"))
cr <- cr[complete.cases(cr[, corp_rep_items]), corp_rep_items]
run_case("corp_rep", cr, corp_rep_items,
         "corp_rep comp/like/cusa/cusl items, -99 missing dropped listwise",
         write_data(cr, "corp_rep"))

# binary: the same items dichotomized at 5
bin <- as.data.frame(lapply(cr, function(x) as.integer(x >= 5)))
run_case("binary", bin, corp_rep_items, "corp_rep items dichotomized: value >= 5 -> 1",
         write_data(bin, "binary"))

# empty cells: b1 x b2 and b1 x b3 2x2 tables with one empty cell each (a diagonal and an
# off-diagonal one), o4 x o5 3x4 with empty cells
set.seed(20261203)
n <- 120
z <- rnorm(n)
e <- data.frame(b1 = as.integer(z > 0.3))
e$b2 <- 1L                                                   # no (b1 = 1, b2 = 0)
e$b2[e$b1 == 0] <- as.integer(runif(sum(e$b1 == 0)) < 0.5)
e$b3 <- ifelse(e$b1 == 1, 0L, as.integer(runif(n) < 0.6))   # no (b1 = 1, b3 = 1)
e$o4 <- cut(z + rnorm(n, sd = 0.5), c(-Inf, -0.5, 0.7, Inf), labels = FALSE)
e$o5 <- cut(z + rnorm(n, sd = 0.3), c(-Inf, -1, 0, 1, Inf), labels = FALSE)
e$o5[e$o4 == 1 & e$o5 == 4] <- 3L
e$o5[e$o4 == 3 & e$o5 == 1] <- 2L
run_case("empty_cells", e, names(e),
         "synthetic: 2x2 tables with one empty cell (b1 x b2 diagonal, b1 x b3 off-diagonal), 3x4 tables with empty cells",
         write_data(e, "empty_cells"))

# mixed: one continuous item (x1) among floored HS tests
hs <- read.csv("datasets/holzinger_swineford/holzinger_swineford.csv")
mx <- data.frame(x2o = floor(hs$x2), x3o = floor(hs$x3), x1 = hs$x1, x5o = floor(hs$x5),
                 x6o = floor(hs$x6))
run_case("mixed", mx, c("x2o", "x3o", "x5o", "x6o"),
         "Holzinger-Swineford: floor(x2), floor(x3), x1 continuous, floor(x5), floor(x6)",
         write_data(mx, "mixed"))

# mixed2: two continuous items (x1, x4) among floored HS tests
mx2 <- data.frame(x2o = floor(hs$x2), x1 = hs$x1, x3o = floor(hs$x3), x4 = hs$x4,
                  x5o = floor(hs$x5))
run_case("mixed2", mx2, c("x2o", "x3o", "x5o"),
         "Holzinger-Swineford: floor(x2), x1 continuous, floor(x3), x4 continuous, floor(x5)",
         write_data(mx2, "mixed2"))

# pairwise: corp_rep with its -99s, mixed2 with NA at fixed rows
crp <- read.csv("datasets/corp_rep/corp_rep.csv", na.strings = c("NA", "-99"))[, corp_rep_items]
run_case("corp_rep_pairwise", crp, corp_rep_items,
         "corp_rep comp/like/cusa/cusl items with their -99s, missing = pairwise",
         write_data(crp, "corp_rep_pairwise"), missing = "pairwise")
mxp <- mx2
mxp$x1[seq(1, nrow(mxp), by = 7)] <- NA
mxp$x2o[seq(3, nrow(mxp), by = 11)] <- NA
mxp$x4[seq(5, nrow(mxp), by = 13)] <- NA
run_case("mixed_pairwise", mxp, c("x2o", "x3o", "x5o"),
         "mixed2 with NA in every 7th x1, 11th x2o, 13th x4; missing = pairwise",
         write_data(mxp, "mixed_pairwise"), missing = "pairwise")

# small_mixed: written out here
sm <- data.frame(a = c(1, 2, 3, 1, 2, 3, 2, 2), x = c(0.1, 0.5, 0.3, 0.9, 1.2, 0.4, 0.8, 0.2),
                 y = c(1, 2, 3, 4, 5, 6, 7, 9), b = c(1, 0, 1, 1, 0, 0, 1, 0))
run_case("small_mixed", sm, c("a", "b"), "8 rows by hand: a (3 categories), x, y continuous, b binary",
         write_data(sm, "small_mixed"))

# groups: corp_rep by servicetype
group_items <- c("comp_1", "comp_3", "like_1", "like_2", "like_3", "cusl_1", "cusl_2", "cusl_3")
crg <- read.csv("datasets/corp_rep/corp_rep.csv", na.strings = c("NA", "-99"))
crg <- crg[complete.cases(crg[, c("servicetype", group_items, "cusa")]),
           c("servicetype", group_items, "cusa")]
gfit <- cfa(paste("f =~", paste(group_items, collapse = " + ")), data = crg,
            ordered = group_items, group = "servicetype", estimator = "WLSMV", do.fit = FALSE)
labels <- lavInspect(gfit, "group.label")
ss <- lavInspect(gfit, "sampstat"); gam <- lavInspect(gfit, "gamma"); wv <- lavInspect(gfit, "wls.v")
per_group <- lapply(seq_along(labels), function(g) list(
  label = labels[g], nobs = lavInspect(gfit, "nobs")[g],
  thresholds = list(names = I(names(ss[[g]]$th)), values = I(unname(as.numeric(ss[[g]]$th)))),
  cov = mat_obj(ss[[g]]$cov), wls_obs = I(unname(as.numeric(gfit@SampleStats@WLS.obs[[g]]))),
  nacov = unname(unclass(gam[[g]])), wls_v_diag = I(unname(diag(wv[[g]])))))
err <- tryCatch({
  cfa(paste("f =~", paste(c(group_items, "cusa"), collapse = " + ")), data = crg,
      ordered = c(group_items, "cusa"), group = "servicetype", do.fit = FALSE); NULL
}, error = function(e) conditionMessage(e))
out <- list(case = "groups", description = "corp_rep items by servicetype (groups in lavaan's order)",
            data = write_data(crg, "groups"), group = "servicetype", variables = I(group_items),
            ordered = I(group_items), groups = per_group, empty_category_error = err,
            versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), file.path(OUT_DIR, "groups.json"))
cat("wrote groups.json:", paste(labels, collapse = ", "), "\n")

# bfi: 25 items, listwise complete; data not committed (GPL)
data("bfi", package = "psych", envir = environment())
bfi_items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5),
               paste0("O", 1:5))
b <- bfi[complete.cases(bfi[, bfi_items]), bfi_items]
run_case("bfi", b, bfi_items,
         paste("psych bfi, 25 items, listwise complete cases; psych", packageVersion("psych")),
         "benchmarks/data/bfi.csv (benchmarks/export_bfi.R; listwise complete)", nacov_every = 12L)
run_case("bfi_pairwise", bfi[, bfi_items], bfi_items,
         paste("psych bfi, 25 items, missing = pairwise (N = 2,800); psych", packageVersion("psych")),
         "benchmarks/data/bfi.csv (benchmarks/export_bfi.R)", nacov_every = 12L, missing = "pairwise")
