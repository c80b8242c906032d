/*
 * libmodbus_server.c - independent C Modbus peer for Outrigger tests and benches.
 *
 * Built on Debian's libmodbus (3.1.6 on bookworm); shares no code with the Node
 * client under test. One process, one poll() loop over the listen socket and every
 * client socket; each client gets its own modbus_t context (modbus_set_socket) and
 * is served with modbus_receive()/modbus_reply() when its socket is readable, so
 * hundreds of simulated devices can poll it concurrently. All connections share
 * one register mapping, so a write on one connection is visible on the others.
 *
 * Usage:
 *   libmodbus_server [--host ADDR] [--unit N] [--rtu-over-tcp] [--debug] PORT
 *
 *   PORT            TCP port to listen on (host default 127.0.0.1).
 *   --unit N        MBAP mode: only unit id N is served; any other unit id gets Modbus
 *                   exception 0x0B (gateway target device failed to respond).
 *                   Default: every unit id is answered from the same mapping.
 *                   RTU-over-TCP mode: the slave address (default 1); frames for
 *                   other addresses are ignored as on a serial bus (no reply at all),
 *                   broadcast (address 0) writes are executed without a reply.
 *   --rtu-over-tcp  Speak raw RTU frames (address + PDU + CRC16, no MBAP header) over
 *                   the TCP stream, like a serial-to-Ethernet converter in transparent
 *                   mode. Uses libmodbus' RTU backend on the accepted socket.
 *   --debug         libmodbus frame dumps on stdout.
 *
 * Deterministic initial layout (identical to test/peers/modbus/pymodbus_server.py),
 * zero-based addresses 0..9999 in every table (10000 entries each):
 *
 *   holding registers (FC3, write FC6/FC16/FC23)  HR[i] = 100 + i        (100 .. 10099)
 *   input registers   (FC4)                       IR[i] = 30000 + i      (30000 .. 39999)
 *   coils             (FC1, write FC5/FC15)       CO[i] = (i % 3 == 0)   (1,0,0,1,0,0,...)
 *   discrete inputs   (FC2)                       DI[i] = (i % 2 == 1)   (0,1,0,1,...)
 *
 * Reading past address 9999 answers exception 2 (illegal data address); more than
 * 125 registers / 2000 bits per read answers exception 3 (libmodbus limits).
 *
 * Limits: libmodbus 3.1 waits for frame bytes with select(), so a client socket
 * must have an fd below FD_SETSIZE (1024). Connections that would get a higher fd
 * are closed immediately (logged); that allows ~1000 concurrent clients.
 * A client that sends half a frame stalls the loop for at most the byte timeout
 * (libmodbus default 0.5 s) before it is dropped.
 *
 * Prints "libmodbus_server listening on HOST:PORT ..." once listening. SIGTERM/SIGINT
 * close everything and print counters; SIGUSR1 prints counters.
 *
 * Build: gcc -O2 -Wall -o libmodbus_server libmodbus_server.c $(pkg-config --cflags --libs libmodbus)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <modbus.h>

#define N_ENTRIES 10000

static volatile sig_atomic_t g_stop = 0;
static volatile sig_atomic_t g_dump = 0;

static void on_stop(int sig) { (void)sig; g_stop = 1; }
static void on_usr1(int sig) { (void)sig; g_dump = 1; }

struct client {
    int fd;
    modbus_t *ctx;
};

static const char *g_host = "127.0.0.1";
static int g_port = -1;
static int g_unit = -1;
static int g_rtu = 0;
static int g_debug = 0;

static unsigned long long n_requests = 0, n_unit_rejects = 0, n_accepted = 0, n_rejected = 0, n_closed = 0;
static int max_clients_seen = 0;

static void usage(void) {
    fprintf(stderr, "usage: libmodbus_server [--host ADDR] [--unit N] [--rtu-over-tcp] [--debug] PORT\n");
    exit(2);
}

static void fill_layout(modbus_mapping_t *m) {
    for (int i = 0; i < N_ENTRIES; i++) {
        m->tab_registers[i] = (uint16_t)((100 + i) & 0xFFFF);
        m->tab_input_registers[i] = (uint16_t)((30000 + i) & 0xFFFF);
        m->tab_bits[i] = (i % 3 == 0) ? 1 : 0;
        m->tab_input_bits[i] = (i % 2 == 1) ? 1 : 0;
    }
}

static modbus_t *new_client_ctx(int fd) {
    modbus_t *ctx;
    if (g_rtu) {
        /* modbus_new_rtu() only stores the serial parameters; the device is opened by
         * modbus_connect(), which we never call. read()/write()/select() on the socket
         * work exactly as on a tty, so the RTU backend frames over the TCP stream. */
        ctx = modbus_new_rtu("/dev/null", 115200, 'N', 8, 1);
        if (ctx == NULL) return NULL;
        if (modbus_set_slave(ctx, g_unit < 0 ? 1 : g_unit) == -1) {
            modbus_free(ctx);
            return NULL;
        }
    } else {
        ctx = modbus_new_tcp(g_host, g_port);
        if (ctx == NULL) return NULL;
    }
    modbus_set_debug(ctx, g_debug);
    modbus_set_socket(ctx, fd);
    return ctx;
}

static void print_stats(int nclients) {
    fprintf(stderr,
            "libmodbus_server stats: clients=%d max_clients=%d accepted=%llu rejected=%llu closed=%llu "
            "requests=%llu unit_rejects=%llu\n",
            nclients, max_clients_seen, n_accepted, n_rejected, n_closed, n_requests, n_unit_rejects);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rtu-over-tcp") == 0) {
            g_rtu = 1;
        } else if (strcmp(argv[i], "--debug") == 0) {
            g_debug = 1;
        } else if (strcmp(argv[i], "--host") == 0 && i + 1 < argc) {
            g_host = argv[++i];
        } else if (strcmp(argv[i], "--unit") == 0 && i + 1 < argc) {
            char *end;
            long u = strtol(argv[++i], &end, 10);
            if (*end || u < 0 || u > 247) usage();
            g_unit = (int)u;
        } else if (argv[i][0] == '-') {
            usage();
        } else if (g_port < 0) {
            char *end;
            long p = strtol(argv[i], &end, 10);
            if (*end || p <= 0 || p > 65535) usage();
            g_port = (int)p;
        } else {
            usage();
        }
    }
    if (g_port < 0) usage();

    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);

    /* Raise the soft fd limit; FD_SETSIZE still caps the usable fds (see header). */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    modbus_mapping_t *map = modbus_mapping_new_start_address(0, N_ENTRIES, 0, N_ENTRIES, 0, N_ENTRIES, 0, N_ENTRIES);
    if (map == NULL) {
        fprintf(stderr, "libmodbus_server: mapping: %s\n", modbus_strerror(errno));
        return 1;
    }
    fill_layout(map);

    /* The listening socket comes from a TCP context in both modes. */
    modbus_t *lctx = modbus_new_tcp(g_host, g_port);
    if (lctx == NULL) {
        fprintf(stderr, "libmodbus_server: modbus_new_tcp: %s\n", modbus_strerror(errno));
        return 1;
    }
    int lfd = modbus_tcp_listen(lctx, 1024);
    if (lfd == -1) {
        fprintf(stderr, "libmodbus_server: listen on %s:%d: %s\n", g_host, g_port, modbus_strerror(errno));
        return 1;
    }

    int lflags = fcntl(lfd, F_GETFL, 0);
    if (lflags == -1 || fcntl(lfd, F_SETFL, lflags | O_NONBLOCK) == -1) {
        perror("libmodbus_server: fcntl");
        return 1;
    }

    int cap = 64, nclients = 0;
    struct client *clients = calloc((size_t)cap, sizeof *clients);
    struct pollfd *pfds = calloc((size_t)cap + 1, sizeof *pfds);
    uint8_t *query = malloc(MODBUS_MAX_ADU_LENGTH > MODBUS_RTU_MAX_ADU_LENGTH ? MODBUS_MAX_ADU_LENGTH
                                                                                : MODBUS_RTU_MAX_ADU_LENGTH);
    if (!clients || !pfds || !query) {
        fprintf(stderr, "libmodbus_server: out of memory\n");
        return 1;
    }

    char unit_str[16];
    if (g_unit >= 0) snprintf(unit_str, sizeof unit_str, "%d", g_unit);
    else snprintf(unit_str, sizeof unit_str, "%s", g_rtu ? "1" : "any");
    printf("libmodbus_server listening on %s:%d mode=%s unit=%s entries=%d libmodbus=%s\n", g_host, g_port,
           g_rtu ? "rtu-over-tcp" : "tcp", unit_str, N_ENTRIES, LIBMODBUS_VERSION_STRING);

    while (!g_stop) {
        if (g_dump) {
            g_dump = 0;
            print_stats(nclients);
        }
        pfds[0].fd = lfd;
        pfds[0].events = POLLIN;
        pfds[0].revents = 0;
        for (int i = 0; i < nclients; i++) {
            pfds[i + 1].fd = clients[i].fd;
            pfds[i + 1].events = POLLIN;
            pfds[i + 1].revents = 0;
        }
        int rc = poll(pfds, (nfds_t)nclients + 1, 1000);
        if (rc < 0) {
            if (errno == EINTR) continue;
            perror("libmodbus_server: poll");
            break;
        }
        if (rc == 0) continue;

        /* Serve ready clients (iterate backwards so removal by swap-with-last is safe). */
        for (int i = nclients - 1; i >= 0; i--) {
            short re = pfds[i + 1].revents;
            if (!re) continue;
            struct client *c = &clients[i];
            int drop = 0;
            if (re & (POLLIN | POLLHUP | POLLERR)) {
                int n = modbus_receive(c->ctx, query);
                if (n > 0) {
                    int hl = modbus_get_header_length(c->ctx);
                    n_requests++;
                    if (!g_rtu && g_unit >= 0 && query[hl - 1] != g_unit) {
                        n_unit_rejects++;
                        if (modbus_reply_exception(c->ctx, query, MODBUS_EXCEPTION_GATEWAY_TARGET) == -1) drop = 1;
                    } else {
                        if (modbus_reply(c->ctx, query, n, map) == -1) drop = 1;
                    }
                } else if (n == 0) {
                    /* RTU: frame for another slave address, ignored. libmodbus then expects
                     * the other slave's reply and would swallow our client's next request;
                     * on a point-to-point TCP stream there is none, so reset the context. */
                    if (g_rtu) {
                        modbus_free(c->ctx);
                        c->ctx = new_client_ctx(c->fd);
                        if (c->ctx == NULL) drop = 1;
                    }
                } else {
                    drop = 1; /* EOF, reset, timeout mid-frame, bad frame/CRC */
                    if (g_debug) fprintf(stderr, "libmodbus_server: fd %d: %s\n", c->fd, modbus_strerror(errno));
                }
            }
            if (drop) {
                if (c->ctx) modbus_free(c->ctx);
                close(c->fd);
                n_closed++;
                clients[i] = clients[nclients - 1];
                nclients--;
            }
        }

        /* Accept every pending connection. */
        if (pfds[0].revents & POLLIN) {
            for (;;) {
                /* lfd is non-blocking; client sockets stay blocking, as libmodbus expects
                 * (it select()s before each read). */
                int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
                if (fd < 0) {
                    if (errno == EINTR) continue;
                    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED)
                        perror("libmodbus_server: accept");
                    break;
                }
                int one = 1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                if (fd >= FD_SETSIZE) {
                    fprintf(stderr, "libmodbus_server: fd %d >= FD_SETSIZE (%d), closing connection\n", fd,
                            FD_SETSIZE);
                    close(fd);
                    n_rejected++;
                    continue;
                }
                if (nclients == cap) {
                    int ncap = cap * 2;
                    struct client *nc = realloc(clients, (size_t)ncap * sizeof *clients);
                    struct pollfd *np = realloc(pfds, ((size_t)ncap + 1) * sizeof *pfds);
                    if (!nc || !np) {
                        fprintf(stderr, "libmodbus_server: out of memory for clients\n");
                        if (nc) clients = nc;
                        if (np) pfds = np;
                        close(fd);
                        n_rejected++;
                        continue;
                    }
                    clients = nc;
                    pfds = np;
                    cap = ncap;
                }
                modbus_t *ctx = new_client_ctx(fd);
                if (ctx == NULL) {
                    fprintf(stderr, "libmodbus_server: context: %s\n", modbus_strerror(errno));
                    close(fd);
                    n_rejected++;
                    continue;
                }
                clients[nclients].fd = fd;
                clients[nclients].ctx = ctx;
                nclients++;
                n_accepted++;
                if (nclients > max_clients_seen) max_clients_seen = nclients;
            }
        }
    }

    for (int i = 0; i < nclients; i++) {
        modbus_free(clients[i].ctx);
        close(clients[i].fd);
    }
    print_stats(nclients);
    close(lfd);
    modbus_free(lctx);
    modbus_mapping_free(map);
    free(clients);
    free(pfds);
    free(query);
    return 0;
}
