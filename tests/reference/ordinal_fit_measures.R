# lavaan's fitMeasures() of categorical fits that the ordinal references record
# (sourced by make_ordinal_fit_reference.R and make_ordinal_groups_reference.R).
MEASURES <- c("npar", "fmin", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled",
              "pvalue.scaled", "chisq.scaling.factor", "baseline.chisq", "baseline.df",
              "baseline.pvalue", "baseline.chisq.scaled", "baseline.df.scaled",
              "baseline.pvalue.scaled", "baseline.chisq.scaling.factor", "cfi", "tli",
              "nnfi", "rfi", "nfi", "ifi", "rni", "cfi.scaled", "tli.scaled", "nnfi.scaled",
              "rfi.scaled", "nfi.scaled", "ifi.scaled", "rni.scaled", "rmsea",
              "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue", "rmsea.scaled",
              "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled", "rmsea.pvalue.scaled",
              "rmr", "rmr_nomean", "srmr", "srmr_bentler", "srmr_bentler_nomean", "crmr",
              "crmr_nomean", "srmr_mplus", "srmr_mplus_nomean", "wrmr", "cn_05", "cn_01",
              "gfi", "agfi", "pgfi", "mfi", "ecvi", "cfi.robust", "tli.robust", "nnfi.robust",
              "rni.robust", "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust",
              "rmsea.pvalue.robust", "rmsea.notclose.pvalue.robust")
