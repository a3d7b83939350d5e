// Certificates, keys and SSL_CTXs for the TLS tests, made in memory with
// the OpenSSL 3 API (no key files in the repository): an EC P-256 CA, a
// leaf for "localhost" / 127.0.0.1 signed by it, and contexts built on
// them. Made once per process and cached, so each test costs a handshake,
// not a key generation. Nothing here includes an <event2/...> header: it is
// compiled once and shared by the tls suite and the programs suite.
#ifndef EVC_TLS_CERTS_H
#define EVC_TLS_CERTS_H

#include <openssl/ssl.h>

#include <string>

namespace evc {
namespace tls {

// The server's context: the leaf certificate and its key; no client
// certificate asked for.
SSL_CTX* ServerCtx();
// A client context that verifies the server (SSL_VERIFY_PEER) against the
// test CA.
SSL_CTX* ClientCtx();
// A client context that verifies the server but trusts nothing: every
// handshake with ServerCtx() fails certificate verification.
SSL_CTX* UntrustingClientCtx();
// A new context (the caller frees it) for one protocol range, e.g.
// TLS1_2_VERSION..TLS1_2_VERSION: a server one with the leaf, or a client
// one that trusts the CA.
SSL_CTX* NewCtx(bool server, int min_version, int max_version);

// PEM texts of the CA certificate, the leaf certificate and its key (the
// programs test writes them to files for the TLS server program).
std::string CaPem();
std::string LeafPem();
std::string LeafKeyPem();

// Counts SSL_free calls: Watch(ssl, &n) makes the later SSL_free of ssl
// increment n (through an ex_data free callback).
void WatchFree(SSL* ssl, int* frees);

// A finished TLS connection made with plain blocking SSL_connect /
// SSL_accept on two connected sockets (the server side runs in a thread);
// each SSL is on its socket's fd (the sockets are left blocking). false if
// either side failed.
bool BlockingHandshake(int client_fd, int server_fd, SSL_CTX* client_ctx, SSL_CTX* server_ctx,
                       SSL** client, SSL** server);

}  // namespace tls
}  // namespace evc

#endif  // EVC_TLS_CERTS_H
