public enum LambdaSimEngine {}
