// SPDX-License-Identifier: Apache-2.0
#include "store/sqlite/wal_write_buffer.h"

#include <sqlite3.h>

#include <algorithm>
#include <memory>
#include <string>

#include "store/sqlite/sqlite_handle.h"

namespace bw::store::sqlite {
namespace {

constexpr char kName[] = "bw-walbuf";
// A commit larger than this is written in several pieces (each still one call).
constexpr size_t kMaxBuffer = size_t{4} << 20;

sqlite3_vfs* g_real = nullptr;  // the default VFS we wrap
sqlite3_vfs g_vfs{};
sqlite3_io_methods g_methods{};

// What SQLite allocates (szOsFile bytes) for a WAL file opened through this VFS: our part, then
// the real VFS's file object.
struct BufferedFile {
  sqlite3_file base;       // base.pMethods = &g_methods
  sqlite3_file* real;      // right after this struct
  std::string* pending;    // bytes not yet written, to be written at pending_at
  sqlite3_int64 pending_at;
  std::shared_ptr<DeferredWalSync>* wal;  // WAL files only (DeferWalCommitSyncs)
};
static_assert(sizeof(BufferedFile) % 8 == 0);

BufferedFile* Buffered(sqlite3_file* f) { return reinterpret_cast<BufferedFile*>(f); }
sqlite3_file* Real(sqlite3_file* f) { return Buffered(f)->real; }

// The unix VFS writes at most 128 KiB - 1 bytes per call (os_unix.c masks larger sizes).
constexpr size_t kMaxWrite = (size_t{128} << 10) - 4096;

// Writes the pending bytes, in calls of up to kMaxWrite (the real VFS retries short writes).
int Flush(BufferedFile* f) {
  int rc = SQLITE_OK;
  for (size_t done = 0; done < f->pending->size() && rc == SQLITE_OK; done += kMaxWrite) {
    const size_t n = std::min(kMaxWrite, f->pending->size() - done);
    rc = f->real->pMethods->xWrite(f->real, f->pending->data() + done, static_cast<int>(n),
                                   f->pending_at + static_cast<sqlite3_int64>(done));
  }
  f->pending->clear();  // on failure too: the commit that wrote them fails at its sync
  return rc;
}

int Close(sqlite3_file* file) {
  BufferedFile* f = Buffered(file);
  int rc = Flush(f);
  int closed = f->real->pMethods->xClose(f->real);
  delete f->pending;
  f->pending = nullptr;
  delete f->wal;
  f->wal = nullptr;
  return rc != SQLITE_OK ? rc : closed;
}

int Read(sqlite3_file* file, void* out, int n, sqlite3_int64 at) {
  if (int rc = Flush(Buffered(file)); rc != SQLITE_OK) {
    return rc;
  }
  return Real(file)->pMethods->xRead(Real(file), out, n, at);
}

int Write(sqlite3_file* file, const void* data, int n, sqlite3_int64 at) {
  BufferedFile* f = Buffered(file);
  std::string& pending = *f->pending;
  const auto size = static_cast<size_t>(n);
  if (!pending.empty() && at == f->pending_at + static_cast<sqlite3_int64>(pending.size()) &&
      pending.size() + size <= kMaxBuffer) {
    pending.append(static_cast<const char*>(data), size);  // the next frame of the commit
    return SQLITE_OK;
  }
  // Anything else (a rewrite of an earlier frame, a full buffer): what is pending goes first,
  // so that writes reach the file in SQLite's order.
  if (int rc = Flush(f); rc != SQLITE_OK) {
    return rc;
  }
  if (size > kMaxWrite) {
    return f->real->pMethods->xWrite(f->real, data, n, at);  // SQLite never writes this much
  }
  pending.assign(static_cast<const char*>(data), size);
  f->pending_at = at;
  return SQLITE_OK;
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  if (int rc = Flush(Buffered(file)); rc != SQLITE_OK) {
    return rc;
  }
  return Real(file)->pMethods->xTruncate(Real(file), size);
}

int Sync(sqlite3_file* file, int flags) {
  BufferedFile* f = Buffered(file);
  const bool header = !f->pending->empty() && f->pending_at == 0;
  if (int rc = Flush(f); rc != SQLITE_OK) {
    return rc;
  }
  if (f->wal != nullptr) {
    DeferredWalSync& wal = **f->wal;
    // A commit's sync (NORMAL; checkpoint_fullfsync makes the others FULL): the frames are
    // written; whoever enabled this syncs them before acknowledging the commit.
    if (wal.enabled.load(std::memory_order_relaxed) && (flags & 0x0f) == SQLITE_SYNC_NORMAL &&
        !header) {
      wal.deferred.fetch_add(1, std::memory_order_relaxed);
      return SQLITE_OK;
    }
    wal.synced.fetch_add(1, std::memory_order_relaxed);
  }
  return Real(file)->pMethods->xSync(Real(file), flags);
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  if (int rc = Flush(Buffered(file)); rc != SQLITE_OK) {
    return rc;
  }
  return Real(file)->pMethods->xFileSize(Real(file), size);
}

// Other processes may look at the file once a lock changes: what is pending goes first.
int Lock(sqlite3_file* file, int level) {
  if (int rc = Flush(Buffered(file)); rc != SQLITE_OK) {
    return rc;
  }
  return Real(file)->pMethods->xLock(Real(file), level);
}
int Unlock(sqlite3_file* file, int level) {
  if (int rc = Flush(Buffered(file)); rc != SQLITE_OK) {
    return rc;
  }
  return Real(file)->pMethods->xUnlock(Real(file), level);
}
int CheckReservedLock(sqlite3_file* file, int* out) {
  return Real(file)->pMethods->xCheckReservedLock(Real(file), out);
}
int FileControl(sqlite3_file* file, int op, void* arg) {
  if (int rc = Flush(Buffered(file)); rc != SQLITE_OK) {
    return rc;
  }
  return Real(file)->pMethods->xFileControl(Real(file), op, arg);
}
int SectorSize(sqlite3_file* file) { return Real(file)->pMethods->xSectorSize(Real(file)); }
int DeviceCharacteristics(sqlite3_file* file) {
  return Real(file)->pMethods->xDeviceCharacteristics(Real(file));
}
int ShmMap(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  return Real(file)->pMethods->xShmMap(Real(file), region, size, extend, out);
}
int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  return Real(file)->pMethods->xShmLock(Real(file), offset, n, flags);
}
void ShmBarrier(sqlite3_file* file) { Real(file)->pMethods->xShmBarrier(Real(file)); }
int ShmUnmap(sqlite3_file* file, int delete_flag) {
  return Real(file)->pMethods->xShmUnmap(Real(file), delete_flag);
}
int Fetch(sqlite3_file* file, sqlite3_int64 at, int n, void** out) {
  if (int rc = Flush(Buffered(file)); rc != SQLITE_OK) {
    return rc;
  }
  return Real(file)->pMethods->xFetch(Real(file), at, n, out);
}
int Unfetch(sqlite3_file* file, sqlite3_int64 at, void* p) {
  return Real(file)->pMethods->xUnfetch(Real(file), at, p);
}

int Open(sqlite3_vfs* /*vfs*/, sqlite3_filename name, sqlite3_file* file, int flags,
         int* out_flags) {
  if ((flags & (SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_DB)) == 0) {
    // Every other file is the real VFS's own object, with its own methods: no indirection.
    return g_real->xOpen(g_real, name, file, flags, out_flags);
  }
  BufferedFile* f = Buffered(file);
  f->base.pMethods = nullptr;
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  f->pending = nullptr;
  f->pending_at = 0;
  f->wal = nullptr;
  int rc = g_real->xOpen(g_real, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (f->real->pMethods != nullptr) {
      f->real->pMethods->xClose(f->real);
    }
    return rc;
  }
  f->pending = new std::string();
  if ((flags & SQLITE_OPEN_WAL) != 0) {
    f->wal = new std::shared_ptr<DeferredWalSync>(std::make_shared<DeferredWalSync>());
    (*f->wal)->path = name != nullptr ? name : "";
  }
  f->base.pMethods = &g_methods;
  return SQLITE_OK;
}

bool Register() {
  ConfigureSqliteOnce();  // sqlite3_vfs_find initialises SQLite
  g_real = sqlite3_vfs_find(nullptr);
  if (g_real == nullptr) {
    return false;
  }
  g_vfs = *g_real;  // the real VFS's other methods; none of them uses pAppData in unix
  g_vfs.pNext = nullptr;
  g_vfs.zName = kName;
  g_vfs.szOsFile = static_cast<int>(sizeof(BufferedFile)) + g_real->szOsFile;
  g_vfs.xOpen = &Open;
  // The other VFS methods get the real VFS as their first argument.
  g_vfs.xDelete = [](sqlite3_vfs*, const char* n, int sync) {
    return g_real->xDelete(g_real, n, sync);
  };
  g_vfs.xAccess = [](sqlite3_vfs*, const char* n, int flags, int* out) {
    return g_real->xAccess(g_real, n, flags, out);
  };
  g_vfs.xFullPathname = [](sqlite3_vfs*, const char* n, int size, char* out) {
    return g_real->xFullPathname(g_real, n, size, out);
  };
  g_vfs.xDlOpen = [](sqlite3_vfs*, const char* n) { return g_real->xDlOpen(g_real, n); };
  g_vfs.xDlError = [](sqlite3_vfs*, int n, char* out) { g_real->xDlError(g_real, n, out); };
  g_vfs.xDlSym = [](sqlite3_vfs*, void* h, const char* s) { return g_real->xDlSym(g_real, h, s); };
  g_vfs.xDlClose = [](sqlite3_vfs*, void* h) { g_real->xDlClose(g_real, h); };
  g_vfs.xRandomness = [](sqlite3_vfs*, int n, char* out) {
    return g_real->xRandomness(g_real, n, out);
  };
  g_vfs.xSleep = [](sqlite3_vfs*, int us) { return g_real->xSleep(g_real, us); };
  g_vfs.xCurrentTime = [](sqlite3_vfs*, double* out) { return g_real->xCurrentTime(g_real, out); };
  g_vfs.xGetLastError = [](sqlite3_vfs*, int n, char* out) {
    return g_real->xGetLastError(g_real, n, out);
  };
  if (g_real->iVersion >= 2 && g_real->xCurrentTimeInt64 != nullptr) {
    g_vfs.xCurrentTimeInt64 = [](sqlite3_vfs*, sqlite3_int64* out) {
      return g_real->xCurrentTimeInt64(g_real, out);
    };
  }
  if (g_real->iVersion >= 3) {
    g_vfs.xSetSystemCall = [](sqlite3_vfs*, const char* n, sqlite3_syscall_ptr p) {
      return g_real->xSetSystemCall(g_real, n, p);
    };
    g_vfs.xGetSystemCall = [](sqlite3_vfs*, const char* n) {
      return g_real->xGetSystemCall(g_real, n);
    };
    g_vfs.xNextSystemCall = [](sqlite3_vfs*, const char* n) {
      return g_real->xNextSystemCall(g_real, n);
    };
  }
  g_methods.iVersion = 3;
  g_methods.xClose = &Close;
  g_methods.xRead = &Read;
  g_methods.xWrite = &Write;
  g_methods.xTruncate = &Truncate;
  g_methods.xSync = &Sync;
  g_methods.xFileSize = &FileSize;
  g_methods.xLock = &Lock;
  g_methods.xUnlock = &Unlock;
  g_methods.xCheckReservedLock = &CheckReservedLock;
  g_methods.xFileControl = &FileControl;
  g_methods.xSectorSize = &SectorSize;
  g_methods.xDeviceCharacteristics = &DeviceCharacteristics;
  g_methods.xShmMap = &ShmMap;
  g_methods.xShmLock = &ShmLock;
  g_methods.xShmBarrier = &ShmBarrier;
  g_methods.xShmUnmap = &ShmUnmap;
  g_methods.xFetch = &Fetch;
  g_methods.xUnfetch = &Unfetch;
  return sqlite3_vfs_register(&g_vfs, /*makeDflt=*/0) == SQLITE_OK;
}

}  // namespace

const char* WalWriteBufferVfs() {
  static const bool registered = Register();
  return registered ? kName : nullptr;
}

Result<std::shared_ptr<DeferredWalSync>> DeferWalCommitSyncs(sqlite3* db) {
  sqlite3_file* wal = nullptr;
  // In WAL mode the "journal" is the WAL file (opened with the connection's first transaction).
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) != SQLITE_OK ||
      wal == nullptr || wal->pMethods != &g_methods || Buffered(wal)->wal == nullptr ||
      (*Buffered(wal)->wal)->path.empty()) {
    return Unavailable("the SQLite connection has no WAL open through the " +
                       std::string(kName) + " VFS");
  }
  char* err = nullptr;
  if (sqlite3_exec(db, "PRAGMA checkpoint_fullfsync = ON", nullptr, nullptr, &err) !=
      SQLITE_OK) {
    std::string message = err != nullptr ? err : "unknown error";
    sqlite3_free(err);
    return Unavailable("cannot set PRAGMA checkpoint_fullfsync: " + message);
  }
  std::shared_ptr<DeferredWalSync> state = *Buffered(wal)->wal;
  state->enabled.store(true);
  return state;
}

}  // namespace bw::store::sqlite
