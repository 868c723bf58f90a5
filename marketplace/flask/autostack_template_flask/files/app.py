from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello_world() -> str:
    return "<h1>Hello from Flask</h1><p>Edit <code>app.py</code> and push to deploy again.</p>"
