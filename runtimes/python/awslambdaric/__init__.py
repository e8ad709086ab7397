"""A small stand-in for AWS's runtime interface client package, shipped by jobstream so that
handlers importing `awslambdaric.lambda_context.LambdaContext` (for type hints) run unchanged."""
