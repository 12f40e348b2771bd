# lavaan's variable roles and automatic covariances for models whose roles are
# easy to get wrong (second-order factors, latent variables regressed on
# covariates, observed outcomes of latent predictors).
#
# Run from the repository root:  Rscript tests/reference/make_roles_reference.R
# Writes tests/reference/spec/roles.json: per model, lavNames() of type lv.x,
# lv.y, ov.x, ov.y for lavaanify(model, auto = TRUE, fixed.x = TRUE) (as sem()),
# and the covariances (op "~~", lhs != rhs) of its parameter table with their
# `free` index (0 = fixed, e.g. fixed.x).
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })

models <- list(
  second_order = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\ng =~ visual + textual + speed",
  second_order_regressed = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\ng =~ visual + textual\nspeed ~ g",
  second_order_outcomes = "f1 =~ x1 + x2 + x3\nf2 =~ x4 + x5 + x6\ng =~ f1 + f2\nf3 =~ x7 + x8 + x9\nf4 =~ y1 + y2 + y3\nf3 ~ g\nf4 ~ g",
  first_order_on_covariates = "f1 =~ x1 + x2 + x3\nf2 =~ x4 + x5 + x6\ng =~ f1 + f2\nf1 ~ z1\nf2 ~ z2",
  two_exogenous = "f1 =~ x1 + x2 + x3\nf2 =~ x4 + x5 + x6\ng =~ f1 + f2\nh =~ y1 + y2 + y3",
  latent_chain = "f1 =~ x1 + x2 + x3\nf2 =~ x4 + x5 + x6\nf3 =~ x7 + x8 + x9\nf2 ~ f1\nf3 ~ f1",
  covariate_and_outcomes = "f1 =~ x1 + x2 + x3\nf1 ~ x4\nx5 ~ f1\nx6 ~ f1",
  observed_chain = "y1 ~ x1\ny2 ~ y1\ny3 ~ y1",
  observed_outcomes = "f1 =~ x1 + x2 + x3\nf2 =~ x4 + x5 + x6\nx7 ~ f1 + f2\nx8 ~ f1",
  indicator_regressed = "f1 =~ x1 + x2 + x3\nf2 =~ x4 + x5 + x6\nx1 ~ z1\ny ~ f1"
)
out <- list(lavaan_version = as.character(packageVersion("lavaan")), models = list())
for (name in names(models)) {
  pt <- lavaanify(models[[name]], auto = TRUE, fixed.x = TRUE)
  cv <- pt[pt$op == "~~" & pt$lhs != pt$rhs, ]
  out$models[[name]] <- list(
    syntax = models[[name]],
    lv_x = I(lavNames(pt, "lv.x")), lv_y = I(lavNames(pt, "lv.y")),
    ov_x = I(lavNames(pt, "ov.x")), ov_y = I(lavNames(pt, "ov.y")),
    covariances = lapply(seq_len(nrow(cv)), function(i)
      list(lhs = cv$lhs[i], rhs = cv$rhs[i], free = cv$free[i] > 0)))
}
dir.create("tests/reference/spec", showWarnings = FALSE)
write_json(out, "tests/reference/spec/roles.json", auto_unbox = TRUE, pretty = TRUE)
cat(length(models), "models written to tests/reference/spec/roles.json\n")
