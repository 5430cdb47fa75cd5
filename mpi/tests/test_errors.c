/* SPDX-License-Identifier: MIT */
/* test_errors.c - MPI errors mapped to ash status codes and messages, and
 * MPI start-up through the library (under mpiexec -n 1). Compiled with the
 * library's error.c to reach its internal mapping function. */
#include "../src/internal.h"
#include "mpitest.h"

static void check_map(int mpi_code, int expect) {
  int st = amp_mpi_err(mpi_code, "op", "MPI_Thing");
  char cls[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(mpi_code, cls, &len);
  CHECK(st == expect, "MPI code %d -> %s, expected %s", mpi_code,
        ash_err_name(st), ash_err_name(expect));
  CHECK(ash_mpi_last_error_code() == expect, "last code %s",
        ash_err_name(ash_mpi_last_error_code()));
  CHECK(strncmp(ash_mpi_last_error(), "op: MPI_Thing failed: ", 22) == 0 &&
            strstr(ash_mpi_last_error(), cls) != NULL,
        "message \"%s\" lacks \"%s\"", ash_mpi_last_error(), cls);
}

int main(int argc, char **argv) {
  /* Before MPI is up: calls that need it say so. */
  CHECK(strcmp(ash_mpi_last_error(), "") == 0, "fresh error not empty");
  CHECK(amp_mpi_usable("x") == 0 && ash_mpi_last_error_code() == ASH_E_INVAL &&
            strstr(ash_mpi_last_error(), "not initialised"),
        "%s", ash_mpi_last_error());
  CHECK_OK(ash_mpi_finalize()); /* not ours to finalise: a no-op */
  /* The library starts MPI (as for Lua) ... */
  CHECK_OK(ash_mpi_init());
  CHECK_OK(ash_mpi_init());
  int init = 0;
  MPI_Initialized(&init);
  CHECK(init, "MPI not initialised by ash_mpi_init");
  MPI_Comm_rank(MPI_COMM_WORLD, &mt_rank);

  check_map(MPI_ERR_TRUNCATE, ASH_E_SHAPE);
  check_map(MPI_ERR_NO_MEM, ASH_E_NOMEM);
  check_map(MPI_ERR_COMM, ASH_E_INVAL);
  check_map(MPI_ERR_TYPE, ASH_E_INVAL);
  check_map(MPI_ERR_RMA_RANGE, ASH_E_INDEX);
  check_map(MPI_ERR_OTHER, ASH_E_SYS);
  check_map(MPI_ERR_INTERN, ASH_E_SYS);
  CHECK(amp_mpi_class_status(MPI_SUCCESS) == ASH_OK, "success");

  /* ... and finalises it; afterwards it cannot start again. */
  CHECK_OK(ash_mpi_finalize());
  int fin = 0;
  MPI_Finalized(&fin);
  CHECK(fin, "MPI not finalised by ash_mpi_finalize");
  CHECK_ERR(ash_mpi_init(), ASH_E_INVAL);
  CHECK(strstr(ash_mpi_last_error(), "finalised"), "%s", ash_mpi_last_error());
  CHECK_OK(ash_mpi_finalize());
  (void)argc;
  (void)argv;
  printf("%s: %d failed checks\n", mt_failures ? "FAIL" : "OK", mt_failures);
  return mt_failures ? 1 : 0;
}
