"""gunicorn's settings for Coursebook: `gunicorn -c python:config.gunicorn_conf ...`.

The access log goes to standard output with the tokens of reset and verification links
replaced (config.log_tokens). Behind a proxy, gunicorn trusts X-Forwarded-Proto (https)
only from the addresses in FORWARDED_ALLOW_IPS (its default: 127.0.0.1 and ::1); see the
README.
"""

from gunicorn.glogging import Logger

from config.log_tokens import scrub_tokens

wsgi_app = "config.wsgi:application"
accesslog = "-"
# Coursebook does not use gunicorn's runtime control socket (a file in the home folder).
control_socket_disable = True


class TokenScrubbingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: scrub_tokens(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }


logger_class = TokenScrubbingLogger
