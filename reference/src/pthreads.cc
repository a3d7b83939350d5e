// libevref_pthreads, libevent_pthreads' counterpart: evthread_use_pthreads
// installs pthread mutexes, condition variables and pthread_self as the
// callbacks of <event2/thread.h> (libevent's evthread_pthread.c).
#include <event2/thread.h>

#include <pthread.h>
#include <sys/time.h>

#include <cerrno>
#include <cstdlib>
#include <ctime>

namespace {

pthread_mutexattr_t recursive_attr;

void* lock_alloc(unsigned locktype) {
  auto* lock = static_cast<pthread_mutex_t*>(std::malloc(sizeof(pthread_mutex_t)));
  if (lock == nullptr) return nullptr;
  const pthread_mutexattr_t* attr = (locktype & EVTHREAD_LOCKTYPE_RECURSIVE) ? &recursive_attr : nullptr;
  if (pthread_mutex_init(lock, attr) != 0) {
    std::free(lock);
    return nullptr;
  }
  return lock;
}

void lock_free(void* lock, unsigned) {
  pthread_mutex_destroy(static_cast<pthread_mutex_t*>(lock));
  std::free(lock);
}

int lock_lock(unsigned mode, void* lock) {
  auto* m = static_cast<pthread_mutex_t*>(lock);
  return (mode & EVTHREAD_TRY) ? pthread_mutex_trylock(m) : pthread_mutex_lock(m);
}

int lock_unlock(unsigned, void* lock) { return pthread_mutex_unlock(static_cast<pthread_mutex_t*>(lock)); }

unsigned long self_id() { return static_cast<unsigned long>(pthread_self()); }

void* cond_alloc(unsigned) {
  auto* cond = static_cast<pthread_cond_t*>(std::malloc(sizeof(pthread_cond_t)));
  if (cond == nullptr) return nullptr;
  if (pthread_cond_init(cond, nullptr) != 0) {
    std::free(cond);
    return nullptr;
  }
  return cond;
}

void cond_free(void* cond) {
  pthread_cond_destroy(static_cast<pthread_cond_t*>(cond));
  std::free(cond);
}

int cond_signal(void* cond, int broadcast) {
  auto* c = static_cast<pthread_cond_t*>(cond);
  return (broadcast ? pthread_cond_broadcast(c) : pthread_cond_signal(c)) == 0 ? 0 : -1;
}

// 0 when signalled, 1 on timeout, -1 on failure; the timeout is relative,
// turned into a wall-clock deadline as libevent does.
int cond_wait(void* cond, void* lock, const timeval* tv) {
  auto* c = static_cast<pthread_cond_t*>(cond);
  auto* m = static_cast<pthread_mutex_t*>(lock);
  if (tv == nullptr) return pthread_cond_wait(c, m) == 0 ? 0 : -1;
  timeval now;
  gettimeofday(&now, nullptr);
  timeval abs;
  timeradd(&now, tv, &abs);
  const timespec ts{abs.tv_sec, abs.tv_usec * 1000};
  const int r = pthread_cond_timedwait(c, m, &ts);
  return r == ETIMEDOUT ? 1 : r == 0 ? 0 : -1;
}

}  // namespace

extern "C" int evthread_use_pthreads(void) {
  static const evthread_lock_callbacks locks = {
      EVTHREAD_LOCK_API_VERSION, EVTHREAD_LOCKTYPE_RECURSIVE, lock_alloc, lock_free, lock_lock, lock_unlock};
  static const evthread_condition_callbacks conds = {
      EVTHREAD_CONDITION_API_VERSION, cond_alloc, cond_free, cond_signal, cond_wait};
  if (pthread_mutexattr_init(&recursive_attr) != 0) return -1;
  pthread_mutexattr_settype(&recursive_attr, PTHREAD_MUTEX_RECURSIVE);
  evthread_set_lock_callbacks(&locks);
  evthread_set_condition_callbacks(&conds);
  evthread_set_id_callback(self_id);
  return 0;
}
