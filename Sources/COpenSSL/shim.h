// OpenSSL 3 exposes several operations as function-like macros, which Swift
// cannot import; these static inline wrappers make them callable.
#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <openssl/bn.h>

static inline long cssl_CTX_set_mode(SSL_CTX *c, long m) { return SSL_CTX_set_mode(c, m); }
static inline long cssl_set_mode(SSL *s, long m) { return SSL_set_mode(s, m); }
static inline int cssl_CTX_set_min_proto_version(SSL_CTX *c, int v) { return (int)SSL_CTX_set_min_proto_version(c, v); }
static inline uint64_t cssl_OP_NO_RENEGOTIATION(void) { return SSL_OP_NO_RENEGOTIATION; }
static inline uint64_t cssl_OP_CIPHER_SERVER_PREFERENCE(void) { return SSL_OP_CIPHER_SERVER_PREFERENCE; }
static inline uint64_t cssl_OP_NO_COMPRESSION(void) { return SSL_OP_NO_COMPRESSION; }
static inline long cssl_MODE_RELEASE_BUFFERS(void) { return SSL_MODE_RELEASE_BUFFERS; }
static inline long cssl_MODE_ACCEPT_MOVING_WRITE_BUFFER(void) { return SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER; }
static inline long cssl_MODE_ENABLE_PARTIAL_WRITE(void) { return SSL_MODE_ENABLE_PARTIAL_WRITE; }
static inline long cssl_BIO_set_mem_eof_return(BIO *b, int v) { return BIO_set_mem_eof_return(b, v); }
static inline long cssl_set_tlsext_host_name(SSL *s, const char *name) { return SSL_set_tlsext_host_name(s, name); }
static inline long cssl_CTX_set_tlsext_servername_callback(SSL_CTX *c, int (*cb)(SSL *, int *, void *)) {
  return SSL_CTX_set_tlsext_servername_callback(c, cb);
}
static inline long cssl_CTX_set_tlsext_servername_arg(SSL_CTX *c, void *arg) {
  return SSL_CTX_set_tlsext_servername_arg(c, arg);
}
static inline void cssl_free(void *p) { OPENSSL_free(p); }
static inline int cssl_EVP_PKEY_CTX_set_rsa_keygen_bits(EVP_PKEY_CTX *c, int bits) {
  return EVP_PKEY_CTX_set_rsa_keygen_bits(c, bits);
}
static inline int cssl_SSL_TLSEXT_ERR_OK(void) { return SSL_TLSEXT_ERR_OK; }
static inline int cssl_SSL_TLSEXT_ERR_NOACK(void) { return SSL_TLSEXT_ERR_NOACK; }
static inline STACK_OF(GENERAL_NAME) *cssl_X509_get_subject_alt_names(X509 *x) {
  return (STACK_OF(GENERAL_NAME) *)X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
}
static inline int cssl_sk_GENERAL_NAME_num(STACK_OF(GENERAL_NAME) *s) { return sk_GENERAL_NAME_num(s); }
static inline GENERAL_NAME *cssl_sk_GENERAL_NAME_value(STACK_OF(GENERAL_NAME) *s, int i) { return sk_GENERAL_NAME_value(s, i); }
static inline void cssl_GENERAL_NAMES_free(STACK_OF(GENERAL_NAME) *s) { GENERAL_NAMES_free(s); }

static inline int cssl_CTX_set_max_proto_version(SSL_CTX *c, int v) { return (int)SSL_CTX_set_max_proto_version(c, v); }
static inline int cssl_CTX_set1_groups_list(SSL_CTX *c, const char *list) { return (int)SSL_CTX_set1_groups_list(c, list); }
static inline long cssl_CTX_set_session_cache_mode(SSL_CTX *c, long m) { return SSL_CTX_set_session_cache_mode(c, m); }
static inline long cssl_SESS_CACHE_SERVER(void) { return SSL_SESS_CACHE_SERVER; }
static inline long cssl_CTX_sess_set_cache_size(SSL_CTX *c, long n) { return SSL_CTX_sess_set_cache_size(c, n); }
/* Allocated size of a memory BIO's buffer: BIO_s_mem never shrinks it, so idle
   connections swap a grown BIO for a fresh one to stay small. */
static inline size_t cssl_BIO_mem_capacity(BIO *b) {
  BUF_MEM *m = NULL;
  if (BIO_get_mem_ptr(b, &m) <= 0 || m == NULL) return 0;
  return m->max;
}
static inline STACK_OF(GENERAL_NAME) *cssl_sk_GENERAL_NAME_new_null(void) { return sk_GENERAL_NAME_new_null(); }
static inline int cssl_sk_GENERAL_NAME_push(STACK_OF(GENERAL_NAME) *s, GENERAL_NAME *n) { return sk_GENERAL_NAME_push(s, n); }
static inline int cssl_GENERAL_NAME_type(const GENERAL_NAME *n) { return n->type; }
/* The IA5String of a GEN_DNS name or the OCTET STRING of a GEN_IPADD one. */
static inline const ASN1_STRING *cssl_GENERAL_NAME_string(const GENERAL_NAME *n) {
  switch (n->type) {
  case GEN_DNS: return n->d.dNSName;
  case GEN_IPADD: return n->d.iPAddress;
  default: return NULL;
  }
}

#endif
