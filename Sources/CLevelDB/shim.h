#ifndef FOLIO_CLEVELDB_SHIM_H
#define FOLIO_CLEVELDB_SHIM_H
#include <leveldb/c.h>
#endif
