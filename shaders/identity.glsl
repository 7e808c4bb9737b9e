// Pass-through vertex snippet, used to prove that shaders ship as package data.
// $variables: none.
vec4 identity(vec4 pos) {
    return pos;
}
