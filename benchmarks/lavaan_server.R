# lavaan side of bench_floor.py: one R process that times its own sem() fits.
#   Rscript benchmarks/lavaan_server.R   (driven through stdin by bench_floor.py)
# Commands, one per line, tab-separated:
#   load <name> <model file> <data csv> <missing> <estimator>
#   fit <name> <timeout seconds>   ->  "ok <elapsed seconds> <chisq>" or "timeout" / "error <msg>"
#   quit
# Each fit is timed by system.time() inside R (R and lavaan start-up excluded).
suppressPackageStartupMessages(library(lavaan))
con <- file("stdin")
open(con)
cases <- list()
reply <- function(...) { cat(..., "\n", sep = ""); flush(stdout()) }
reply("ready lavaan ", as.character(packageVersion("lavaan")), " ", R.version.string)
repeat {
  line <- readLines(con, n = 1)
  if (length(line) == 0) break
  parts <- strsplit(line, "\t", fixed = TRUE)[[1]]
  if (parts[1] == "quit") break
  if (parts[1] == "load") {
    cases[[parts[2]]] <- list(model = paste(readLines(parts[3]), collapse = "\n"),
                              data = read.csv(parts[4]), missing = parts[5],
                              estimator = parts[6])
    reply("loaded")
  } else if (parts[1] == "fit") {
    case <- cases[[parts[2]]]
    limit <- as.numeric(parts[3])
    out <- tryCatch({
      setTimeLimit(elapsed = limit, transient = TRUE)
      elapsed <- system.time(
        fitted <- suppressWarnings(sem(case$model, data = case$data, missing = case$missing,
                                       estimator = case$estimator)))[["elapsed"]]
      setTimeLimit(elapsed = Inf)
      chisq <- fitMeasures(fitted, "chisq")[[1]]
      sprintf("ok %.6f %.10f", elapsed, chisq)
    }, error = function(e) {
      setTimeLimit(elapsed = Inf)
      if (grepl("time limit", conditionMessage(e))) "timeout"
      else paste("error", gsub("[\r\n]", " ", conditionMessage(e)))
    })
    reply(out)
  } else {
    reply("error unknown command ", parts[1])
  }
}
