# Sourced by make_modindices_constraints_reference.R and make_modindices_fiml_means_reference.R.

# a lavaan table as a plain data frame
table_of <- function(x) { x <- as.data.frame(x); rownames(x) <- NULL; x }

# lavTestScore(fit, ...) as a list of data frames (its warnings kept), or list(error = message)
score_of <- function(fit, args) {
  warns <- character(0)
  value <- tryCatch(withCallingHandlers(do.call("lavTestScore", c(list(fit), args)),
    warning = function(w) { warns <<- c(warns, conditionMessage(w))
                            invokeRestart("muffleWarning") }),
    error = function(e) structure(conditionMessage(e), class = "failed"))
  if (inherits(value, "failed")) return(list(args = args, error = unclass(value)))
  out <- list(args = args, warnings = I(warns))
  for (k in names(value)) out[[k]] <- table_of(value[[k]])
  out
}
