# strip_labels(syntax): the model syntax without its := lines, comments and parameter
# labels ("c1*COMP" -> "COMP"). A label written once makes a parameter equal in every
# group, so the multi-group reference scripts fit the unlabelled model, as
# loyaltysem.groups.compare_paths does. Sourced by make_path_comparison_reference.R,
# make_groups_estimators_reference.R and make_start_values_reference.R.
strip_labels <- function(syntax) {
  lines <- strsplit(syntax, "\n")[[1]]
  lines <- lines[!grepl(":=", lines, fixed = TRUE)]
  lines <- sub("#.*$", "", lines)
  lines <- gsub("[A-Za-z_][A-Za-z0-9_.]*\\*(?=[A-Za-z])", "", lines, perl = TRUE)
  paste(lines, collapse = "\n")
}
