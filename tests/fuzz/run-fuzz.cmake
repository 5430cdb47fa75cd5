# SPDX-License-Identifier: MIT
# One fixed-budget run of a fuzz harness (registered by CMakeLists.txt):
#   cmake -DHARNESS=... -DCORPUS=... -DSEEDS=... -DSECONDS=... -DARTIFACTS=...
#         -P run-fuzz.cmake
# A fresh working corpus each time (new inputs go there, the seeds are only
# read); a crashing input is saved under ARTIFACTS and fails the test.
file(REMOVE_RECURSE ${CORPUS})
file(MAKE_DIRECTORY ${CORPUS} ${ARTIFACTS})
execute_process(
  COMMAND ${HARNESS} -max_total_time=${SECONDS} -timeout=10
          -rss_limit_mb=2048 -print_final_stats=1
          -artifact_prefix=${ARTIFACTS}/ ${CORPUS} ${SEEDS}
  RESULT_VARIABLE rc)
file(REMOVE_RECURSE ${CORPUS})
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${HARNESS} failed (${rc}); the input is under ${ARTIFACTS}")
endif()
