public enum SuanliCore {}
