# lavaan 0.6-14 references for multi-group models with std.lv = TRUE and equal loadings
# (tests/test_groups_std_lv.py): the first group's latent variances are 1, the other
# groups' free. ML on Holzinger-Swineford by school; WLSMV on corp_rep's ordinal items
# by servicetype (thresholds and loadings equal).
# Run from the repository root: Rscript tests/reference/make_groups_std_lv_reference.R
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
HS <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
GROUPS <- "COMP =~ comp_1 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSL =~ cusl_1 + cusl_2 + cusl_3"
record <- function(fit, model) {
  pe <- parameterEstimates(fit, remove.nonfree = FALSE)
  list(model = model, chisq = fitMeasures(fit, "chisq")[[1]], df = fitMeasures(fit, "df")[[1]],
       groups = lavInspect(fit, "group.label"),
       estimates = lapply(seq_len(nrow(pe)), function(i) list(
         group = pe$group[i], lhs = pe$lhs[i], op = pe$op[i], rhs = pe$rhs[i],
         est = pe$est[i], se = pe$se[i])))
}
hs <- read.csv("datasets/holzinger_swineford/holzinger_swineford.csv")
ml <- cfa(HS, hs, group = "school", std.lv = TRUE, group.equal = "loadings")
groups <- read.csv("tests/reference/ordinal/data/groups.csv")
wlsmv <- cfa(GROUPS, groups, group = "servicetype", std.lv = TRUE, ordered = TRUE,
             group.equal = c("thresholds", "loadings"))
dir.create("tests/reference/groups", showWarnings = FALSE)
writeLines(toJSON(list(ml = record(ml, HS), wlsmv = record(wlsmv, GROUPS)), digits = NA,
                  auto_unbox = TRUE, na = "null"),
           "tests/reference/groups/std_lv_loadings.json")
