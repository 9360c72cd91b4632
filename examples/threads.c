// An ordinary threaded program: 4 POSIX threads sum their share of 1..4000000 under a mutex, with a condition
// variable and a barrier. glibc starts threads with clone3, which the syscall filter answers ENOSYS: glibc falls
// back to clone, and the program never notices.
// Expected: "threads=4 sum=8000002000000 barrier=ok\n", status "ok".
#include <pthread.h>
#include <stdio.h>

#define THREADS 4
#define N 4000000LL

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t barrier;
static long long total = 0;
static int done = 0;

static void *work(void *arg) {
	long long part = (long long)(long)arg, sum = 0;
	for (long long i = part * (N / THREADS) + 1; i <= (part + 1) * (N / THREADS); i++) {
		sum += i;
	}
	pthread_barrier_wait(&barrier);
	pthread_mutex_lock(&lock);
	total += sum;
	done++;
	pthread_cond_signal(&done_cond);
	pthread_mutex_unlock(&lock);
	return NULL;
}

int main(void) {
	pthread_t threads[THREADS];
	pthread_barrier_init(&barrier, NULL, THREADS);
	for (long i = 0; i < THREADS; i++) {
		if (pthread_create(&threads[i], NULL, work, (void *)i) != 0) {
			perror("pthread_create");
			return 1;
		}
	}
	pthread_mutex_lock(&lock);
	while (done < THREADS) {
		pthread_cond_wait(&done_cond, &lock);
	}
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(threads[i], NULL);
	}
	printf("threads=%d sum=%lld barrier=ok\n", THREADS, total);
	return 0;
}
